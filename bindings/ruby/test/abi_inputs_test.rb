# frozen_string_literal: true

# The binding's option specs agree with docs/abi-inputs.json, the description of the C ABI's
# JSON arguments made from the Rust types: every keyword's JSON name is a field of the Rust
# struct, of a type that field takes, and every Rust field has a keyword (or is listed in
# NOT_EXPOSED with the reason).

require "json"
require "minitest/autorun"
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "triggerdev"

class AbiInputsTest < Minitest::Test
  ROOT = File.expand_path("../../..", __dir__)
  DESCRIPTION = JSON.parse(File.read(File.join(ROOT, "docs", "abi-inputs.json")))
  STRUCTS = DESCRIPTION.fetch("structs")

  # Each spec Hash and the Rust struct its JSON is read into.
  SPECS = {
    "Tasks::TRIGGER_OPTIONS" => "TriggerOptions",
    "Tasks::DEBOUNCE" => "Debounce",
    "Tasks::BATCH_OPTIONS" => "BatchTriggerOptions",
    "Tasks::BATCH_ITEM" => "BatchItem",
    "Runs::LIST_PARAMS" => "ListRunsParams",
    "Runs::REPLAY_OPTIONS" => "ReplayOptions",
    "Runs::METADATA_BODY" => "UpdateMetadata",
    "BulkActions::FILTER" => "BulkActionFilter",
    "BulkActions::CREATE" => "CreateBulkAction",
    "BulkActions::LIST_PARAMS" => "ListBulkActionsParams",
    "Auth::PUBLIC_TOKEN" => "PublicTokenOptions",
    "Auth::TRIGGER_TOKEN" => "TriggerTokenOptions",
    "Deployments::LIST_PARAMS" => "ListDeploymentsParams",
    "Queues::LIST_PARAMS" => "ListQueuesParams",
    "Schedules::LIST_PARAMS" => "ListSchedulesParams",
    "Schedules::CREATE" => "CreateSchedule",
    "Schedules::UPDATE" => "UpdateSchedule",
    "Sessions::TRIGGER_CONFIG" => "SessionTriggerConfig",
    "Sessions::START" => "StartSession",
    "Sessions::LIST_PARAMS" => "ListSessionsParams",
    "Sessions::UPDATE" => "UpdateSession",
    "SessionChannel::SUBSCRIBE" => "SubscribeOptions",
    "Waitpoints::CREATE_OPTIONS" => "CreateWaitpointToken",
    "Waitpoints::LIST_PARAMS" => "ListWaitpointTokensParams",
    "Query::EXECUTE" => "QueryOptions",
    "Dashboards::CREATE" => "CreateDashboard",
    "Dashboards::UPDATE" => "UpdateDashboard",
    "Config::RETRY" => "RetryPolicy"
  }.freeze

  # Rust fields no spec entry sets, and why.
  NOT_EXPOSED = {
    %w[ListDeploymentsParams after] => "serde alias of cursor",
    %w[StartSession triggerConfig] => "built by Sessions#start from TRIGGER_CONFIG and base_payload:",
    %w[SessionTriggerConfig basePayload] => "Sessions#start's base_payload: keyword"
  }.freeze

  # The JSON each spec type sends (Params.coerce): JSON types as docs/abi-inputs.json writes them.
  PRODUCES = {
    string: ["string"], path: ["string"], integer: ["integer"], number: ["number"],
    bool: ["boolean"], json: ["any"], epoch_ms: ["integer"], duration_or_time: ["string"],
    ttl: %w[string integer], iso_time: ["string"], expiration: %w[string integer],
    strings: [{ "array" => "string" }],
    idempotency_key: ["string", { "array" => "string" }],
    string_or_strings: ["string", { "array" => "string" }],
    headers: [{ "map" => "string" }],
    queue_filters: [{ "array" => "string" }, { "array" => { "map" => "string" } }],
    scope_ids: ["boolean", "string", { "array" => "string" }],
    objects: [{ "array" => { "map" => "any" } }]
  }.freeze

  # String keywords whose values a binding lists (checked before sending, or by the library):
  # the list must be the Rust enum's variants.
  ENUMS = {
    ["BulkActions::CREATE", :action] => Triggerdev::BulkActions::ACTIONS,
    ["Query::EXECUTE", :scope] => Triggerdev::Query::SCOPES,
    ["Query::EXECUTE", :format] => Triggerdev::Query::FORMATS
  }.freeze

  # Whether a field of Rust type +rust+ takes every value of JSON type +sent+.
  def takes?(rust, sent)
    return true if rust == "any" || rust == sent
    return true if rust == "number" && sent == "integer"
    return false if sent == "any"

    if rust.is_a?(Hash)
      kind, inner = rust.first
      case kind
      when "oneOf" then return inner.any? { |alt| takes?(alt, sent) }
      when "array", "map"
        return sent.is_a?(Hash) && sent.keys == [kind] && takes?(inner, sent[kind])
      end
    end
    false
  end

  def check_spec(spec, struct, where, errors, seen)
    fields = STRUCTS.fetch(struct)
    spec.each do |key, entry|
      type, json_name = entry
      name = json_name || Triggerdev::Util.camelize(key)
      field = fields[name]
      unless field
        errors << "#{where} #{key}: (JSON #{name}) is not a field of the Rust struct #{struct} " \
                  "(#{fields.keys.sort.join(', ')})"
        next
      end
      seen << [struct, name]
      rust = field.fetch("type")
      if type.is_a?(Hash)
        nested = rust.is_a?(Hash) && rust["struct"]
        if nested
          check_spec(type, nested, "#{where} #{key}:", errors, seen)
        elsif !takes?(rust, { "map" => "any" }) && rust != { "map" => "any" }
          errors << "#{where} #{key}: sends an object, #{struct}.#{name} takes #{rust.to_json}"
        end
        next
      end
      if rust.is_a?(Hash) && rust.key?("enum")
        allowed = ENUMS[[where, key]]
        next if type == :string && allowed && allowed.sort == rust["enum"].sort

        errors << "#{where} #{key}: sends #{allowed ? allowed.inspect : 'any String'}, #{struct}.#{name} takes #{rust.to_json}"
        next
      end
      PRODUCES.fetch(type) { raise "no JSON types listed for the spec type #{type.inspect}" }.each do |sent|
        next if takes?(rust, sent)

        errors << "#{where} #{key}: sends #{sent.to_json}, #{struct}.#{name} takes #{rust.to_json}"
      end
    end
  end

  def test_every_spec_agrees_with_the_rust_types
    errors = []
    seen = []
    SPECS.each do |const, struct|
      check_spec(Triggerdev.const_get(const), struct, const, errors, seen)
    end
    assert_empty errors, "specs that send JSON the Rust types refuse:\n#{errors.join("\n")}"

    unreached = SPECS.values.uniq.flat_map do |struct|
      STRUCTS.fetch(struct).keys.map { |f| [struct, f] }
    end.reject { |key| seen.include?(key) || NOT_EXPOSED.key?(key) }
    assert_empty unreached.map { |s, f| "#{s}.#{f}" },
                 "Rust fields no spec sets (add a keyword, or list them in NOT_EXPOSED)"
    stale = NOT_EXPOSED.keys.select { |key| seen.include?(key) || !STRUCTS.fetch(key[0], {}).key?(key[1]) }
    assert_empty stale, "NOT_EXPOSED lists fields a spec sets or that do not exist"
  end

  def test_a_renamed_rust_field_is_found
    spec = { idempotency_key_ttl: :string }
    errors = []
    renamed = STRUCTS.merge("T" => { "idempotencyKeyTtl" => { "type" => "string", "required" => false } })
    stub_const(renamed) { check_spec(spec, "T", "spec", errors, []) }
    assert_match(/idempotencyKeyTTL\) is not a field of the Rust struct T/, errors.join)
    errors = []
    check_spec({ tags: :strings }, "SubscribeRunOptions", "spec", errors, [])
    assert_match(/tags: \(JSON tags\) is not a field/, errors.join)
    errors = []
    check_spec({ skip_columns: :string }, "SubscribeRunOptions", "spec", errors, [])
    assert_match(/sends "string", SubscribeRunOptions.skipColumns takes/, errors.join)
  end

  def test_operations_must_be_an_array_of_hashes
    error = assert_raises(TypeError) { Triggerdev::Params.coerce(:objects, { type: "set" }, "operations:", "c") }
    assert_equal "operations: must be an Array of Hashes, not Hash", error.message
    error = assert_raises(TypeError) { Triggerdev::Params.coerce(:objects, [1], "operations:", "c") }
    assert_equal "operations:[0] must be a Hash, not Integer", error.message
  end

  private

  def stub_const(structs)
    old = STRUCTS
    self.class.send(:remove_const, :STRUCTS)
    self.class.const_set(:STRUCTS, structs)
    yield
  ensure
    self.class.send(:remove_const, :STRUCTS)
    self.class.const_set(:STRUCTS, old)
  end
end
