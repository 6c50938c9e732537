# frozen_string_literal: true

require "json"
require "time"
require "date"
require "set"

module Triggerdev
  # Argument checks and name conversions: everything a Ruby value goes through before it
  # reaches the library. Mistakes raise TypeError / ArgumentError naming the argument.
  module Util
    # Option names whose API spelling is not plain camelCase.
    IRREGULAR = {
      base_url: "baseURL",
      idempotency_key_ttl: "idempotencyKeyTTL",
      commit_sha: "commitSHA",
    }.freeze

    @camel = {}
    @snake = {}

    module_function

    # +:task_identifier+ -> "taskIdentifier" (memoized).
    def camelize(name)
      @camel[name] ||= IRREGULAR.fetch(name.to_sym) do
        head, *rest = name.to_s.split("_")
        -(head + rest.map(&:capitalize).join)
      end
    end

    # "taskIdentifier" -> "task_identifier", "idempotencyKeyTTL" -> "idempotency_key_ttl".
    def underscore(key)
      @snake[key] ||= -key.to_s.gsub(/([A-Z]+)([A-Z][a-z])/, '\1_\2')
                          .gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
    end

    # +value+ as a UTF-8 String the library can take: a String (or Symbol) without NUL bytes,
    # in valid UTF-8 (other encodings are transcoded).
    def string!(value, name)
      value = value.name if value.is_a?(Symbol)
      raise TypeError, "#{name} must be a String, not #{describe(value)}" unless value.is_a?(String)

      text = utf8(value, name)
      raise ArgumentError, "#{name} must not contain a NUL byte" if text.include?("\0")

      text
    end

    # nil, or string!(value).
    def optional_string(value, name)
      value.nil? ? nil : string!(value, name)
    end

    # +value+ re-encoded as valid UTF-8, or an ArgumentError naming +name+.
    def utf8(value, name)
      text = case value.encoding
             when Encoding::UTF_8, Encoding::US_ASCII then value
             when Encoding::BINARY then value.dup.force_encoding(Encoding::UTF_8)
             else value.encode(Encoding::UTF_8)
             end
      raise ArgumentError, "#{name} is not valid UTF-8" unless text.valid_encoding?

      text
    rescue EncodingError => e
      raise ArgumentError, "#{name} cannot be converted to UTF-8 (#{e.message})"
    end

    # JSON text of +value+ (nil, true, false, numbers, Strings, Symbols, Arrays, Hashes, and
    # anything with #to_json), or an ArgumentError naming +name+. For a body built from
    # keywords (+members+ true), the error names the keyword whose value is at fault.
    def json(value, name, members: false)
      JSON.generate(jsonable(value, name))
    rescue JSON::GeneratorError, JSON::NestingError, EncodingError => e
      value.each { |key, member| json(member, "#{underscore(key)}:") } if members && value.is_a?(Hash)
      raise ArgumentError, "#{name} cannot be sent as JSON: #{e.message.lines.first&.strip}"
    end

    # +value+ with what JSON has no type for turned into what the Python binding sends for it
    # (the same arguments give the same JSON in both): a Time or DateTime as ISO-8601 text in
    # UTC (+2025-01-01T09:00:00.000Z+), a Date as +2025-01-01+. A Set is refused (JSON has no sets, and
    # JSON.generate would send its #inspect text). Containers are copied only when something
    # inside them changes. Past JSON.generate's nesting limit the walk stops: it refuses those.
    def jsonable(value, name, depth = 0)
      return value if depth > 100

      case value
      when String, Integer, Float, Symbol, true, false, nil then value
      when Hash
        out = nil
        value.each do |key, member|
          plain = jsonable(member, name, depth + 1)
          next if plain.equal?(member)

          out ||= value.dup
          out[key] = plain
        end
        out || value
      when Array
        out = nil
        value.each_with_index do |member, i|
          plain = jsonable(member, name, depth + 1)
          next if plain.equal?(member)

          out ||= value.dup
          out[i] = plain
        end
        out || value
      when Time, DateTime then value.to_time.utc.iso8601(3)
      when Date then value.iso8601
      when Set then raise TypeError, "#{name}: a Set is not JSON; pass an Array"
      else value
      end
    end

    def bool!(value, name)
      return value if value == true || value == false

      raise TypeError, "#{name} must be true or false, not #{describe(value)}"
    end

    def integer!(value, name)
      return value if value.is_a?(Integer)

      raise TypeError, "#{name} must be an Integer, not #{describe(value)}"
    end

    def number!(value, name)
      raise TypeError, "#{name} must be a number, not #{describe(value)}" unless value.is_a?(Numeric)
      raise ArgumentError, "#{name} must be finite" if value.respond_to?(:finite?) && !value.finite?

      value
    end

    # Seconds (a non-negative number) -> milliseconds (Float when fractional).
    def millis(seconds, name)
      number!(seconds, name)
      raise ArgumentError, "#{name} must not be negative" if seconds.negative?

      ms = seconds * 1000
      ms.is_a?(Integer) || ms == ms.to_i ? ms.to_i : ms.to_f
    end

    # A Time (or anything with #to_time) or Unix epoch milliseconds -> epoch milliseconds.
    def epoch_ms(value, name)
      return value if value.is_a?(Integer)
      return (value.to_time.to_r * 1000).to_i if value.respond_to?(:to_time)

      raise TypeError, "#{name} must be a Time or epoch milliseconds (Integer), not #{describe(value)}"
    end

    # A duration String ("1h") or a Time (sent as ISO 8601, UTC).
    def duration_or_time(value, name)
      return value.to_time.utc.iso8601(3) if !value.is_a?(String) && value.respond_to?(:to_time)

      string!(value, name)
    end

    # A Time (sent as ISO 8601, UTC, milliseconds) or an ISO 8601 String, as written.
    def iso_time(value, name)
      return value.to_time.utc.iso8601(3) if !value.is_a?(String) && value.respond_to?(:to_time)

      string!(value, name)
    end

    # When a public token expires: a duration String ("15m", "2h", "1d"), a Time, or an Integer
    # (an absolute Unix time in seconds, as the official SDK reads a number).
    def expiration(value, name)
      return value if value.is_a?(Integer)
      return value.to_time.to_i if !value.is_a?(String) && value.respond_to?(:to_time)
      return string!(value, name) if value.is_a?(String)

      raise TypeError, "#{name} must be a duration String (\"15m\"), a Time or Unix seconds (Integer), " \
                       "not #{describe(value)}"
    end

    def describe(value)
      value.nil? ? "nil" : value.class.name
    end
  end

  # Keyword options -> the API's JSON objects. A spec maps each accepted keyword to its type:
  #
  #   :string, :strings (one String or an Array of them), :path (String or Pathname), :integer,
  #   :number, :bool,
  #   :json (any JSON value, sent as written: payloads, metadata), :epoch_ms (Time or Integer),
  #   :duration_or_time (String or Time), :ttl (String or Integer seconds),
  #   :idempotency_key, :string_or_strings (a String or an Array of them, sent as given),
  #   :headers (Hash of Strings),
  #   :queue_filters (Strings or {type:, name:} Hashes), :iso_time (Time or ISO String),
  #   :expiration (duration String, Time or Unix seconds), :scope_ids (true, an id or ids),
  #   :objects (an Array of Hashes, sent as written), or a nested spec Hash.
  #
  # The JSON names are the keywords in camelCase (Util.camelize), unless the spec entry is
  # [type, "jsonName"]. nil values are left out. Unknown keywords raise ArgumentError naming them.
  module Params
    module_function

    def build(spec, opts, context)
      unless opts.is_a?(Hash)
        raise TypeError, "#{context} options must be keywords or a Hash, not #{Util.describe(opts)}"
      end

      check_keys!(spec, opts, context)
      out = {}
      opts.each do |key, value|
        next if value.nil?

        type, json_name = spec[key]
        out[json_name || Util.camelize(key)] = coerce(type, value, "#{key}:", context)
      end
      out
    end

    def check_keys!(spec, opts, context)
      unknown = opts.keys.reject { |k| spec.key?(k) }
      return if unknown.empty?

      raise ArgumentError,
            "#{context}: unknown keyword#{'s' if unknown.size > 1}: #{unknown.map(&:inspect).join(', ')} " \
            "(accepted: #{spec.keys.map { |k| "#{k}:" }.join(' ')})"
    end

    def coerce(type, value, name, context)
      case type
      when Hash
        raise TypeError, "#{name} must be a Hash, not #{Util.describe(value)}" unless value.is_a?(Hash)

        build(type, value.transform_keys(&:to_sym), "#{context} #{name}")
      when :string then Util.string!(value, name)
      when :strings then strings(value, name)
      when :path then Util.string!(value.respond_to?(:to_path) ? value.to_path : value, name)
      when :integer then Util.integer!(value, name)
      when :number then Util.number!(value, name)
      when :bool then Util.bool!(value, name)
      when :json then Util.jsonable(value, name.delete_suffix(":")) # a Time as ISO text, a Set refused
      when :epoch_ms then Util.epoch_ms(value, name)
      when :duration_or_time then Util.duration_or_time(value, name)
      when :ttl then value.is_a?(Integer) ? value : Util.string!(value, name)
      when :idempotency_key, :string_or_strings
        value.is_a?(Array) ? strings(value, name) : Util.string!(value, name)
      when :headers then headers(value, name)
      when :queue_filters then queue_filters(value, name)
      when :iso_time then Util.iso_time(value, name)
      when :expiration then Util.expiration(value, name)
      when :scope_ids then scope_ids(value, name)
      when :objects then objects(value, name)
      else raise ArgumentError, "unknown option type #{type.inspect} for #{name}"
      end
    end

    def strings(value, name)
      return [Util.string!(value, name)] unless value.is_a?(Array)

      value.each_with_index.map { |v, i| Util.string!(v, "#{name}[#{i}]") }
    end

    def objects(value, name)
      raise TypeError, "#{name} must be an Array of Hashes, not #{Util.describe(value)}" unless value.is_a?(Array)

      value.each_with_index do |v, i|
        raise TypeError, "#{name}[#{i}] must be a Hash, not #{Util.describe(v)}" unless v.is_a?(Hash)
      end
    end

    # The ids of one scope resource: true (all of them), false (none), one id or an Array.
    def scope_ids(value, name)
      return value if value == true || value == false
      return strings(value, name) if value.is_a?(Array)
      return Util.string!(value, name) if value.is_a?(String) || value.is_a?(Symbol)

      raise TypeError, "#{name} must be true, an id (String) or an Array of ids, not #{Util.describe(value)}"
    end

    def headers(value, name)
      raise TypeError, "#{name} must be a Hash of Strings, not #{Util.describe(value)}" unless value.is_a?(Hash)

      value.to_h { |k, v| [Util.string!(k, "#{name} name"), Util.string!(v, "#{name}[#{k.inspect}]")] }
    end

    def queue_filters(value, name)
      Array(value.is_a?(Hash) ? [value] : value).each_with_index.map do |q, i|
        next Util.string!(q, "#{name}[#{i}]") unless q.is_a?(Hash)

        q = q.transform_keys(&:to_sym)
        check_keys!({ type: nil, name: nil }, q, "#{name}[#{i}]")
        { "type" => Util.string!(q[:type], "#{name}[#{i}][:type]"),
          "name" => Util.string!(q[:name], "#{name}[#{i}][:name]") }
      end
    end
  end
end
