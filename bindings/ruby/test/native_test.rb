# frozen_string_literal: true

require "open3"
require "rbconfig"
require "tmpdir"
require "fileutils"
require_relative "test_helper"

# Loading: where the library comes from, the version check, and every export attached with the
# signature include/triggerdev.h gives it.
class NativeTest < Minitest::Test
  HEADER = File.join(Triggerdev::Native::REPO_ROOT, "include", "triggerdev.h")
  LIB_DIR = File.expand_path("../lib", __dir__)

  C_TYPES = {
    "const char*" => :string, "char*" => :pointer, "char**" => :pointer, "bool" => :bool, "uint16_t" => :uint16,
    "uint32_t" => :uint32, "int64_t" => :int64, "int64_t*" => :pointer, "uint64_t" => :uint64, "void" => :void, "enum trigger_result" => :int,
    "void*" => :pointer, "int" => :int, "const uint8_t*" => :pointer, "size_t" => :size_t, "trigger_interrupt_check" => :pointer, "trigger_log_callback" => :pointer
  }.freeze

  # "const char *config_json" -> :string; handles and their out-parameters -> :pointer.
  def c_type(type)
    type = type.gsub(/\s+/, " ").gsub(/\s*\*/, "*").strip
    return :pointer if type.match?(/\A(const )?struct trigger_\w+\*+\z/)

    C_TYPES.fetch(type) { flunk "unknown C type #{type.inspect}" }
  end

  def header_functions
    text = File.read(HEADER).gsub(%r{/\*.*?\*/}m, "").gsub(%r{//[^\n]*}, "")
    text.scan(/^([a-z][\w ]*?[\s*]+)(trigger_\w+)\(([^)]*)\);/m).to_h do |ret, name, params|
      args = params.strip == "void" ? [] : params.split(",").map { |p| c_type(p.strip.sub(/\w+\z/, "")) }
      [name.to_sym, [args, c_type(ret)]]
    end
  end

  def test_every_export_is_attached_with_its_signature
    skip "no #{HEADER}" unless File.file?(HEADER)

    exported = header_functions
    assert_operator exported.size, :>=, 104
    table = Triggerdev::Native::FUNCTIONS.transform_values { |params, ret, _| [params, ret] }
    assert_equal exported.keys.sort, table.keys.sort, "Native::FUNCTIONS lists exactly the header's exports"
    exported.each { |name, signature| assert_equal signature, table[name], name.to_s }
    table.each_key { |name| assert_respond_to Triggerdev::Native, name }
  end

  def test_calls_that_may_make_requests_release_the_gvl
    # Handles in, and no request: frees, with_options, making iterators and streams (no request
    # until the first _next), stopping a stream, error accessors, the auth overrides, webhook
    # verification (its first parameter is the body, not a client).
    no_io = /_free\z|_with_options\z|_with_cancel\z|_iter\z|\Atrigger_[a-z]+_subscribe(_tagged)?\z|\Atrigger_runs_stream\z|_stop\z|\Atrigger_error_|\Atrigger_auth_(push|pop|current|override)|\Atrigger_cancel_|\Atrigger_set_|\Atrigger_string|\Atrigger_webhooks_/
    Triggerdev::Native::FUNCTIONS.each do |name, (params, _ret, blocking)|
      io = (params.first == :pointer && name.to_s !~ no_io) || name.to_s.end_with?("_next")
      assert_equal io, blocking, "#{name} blocking"
    end
  end

  def test_the_version_matches
    assert_equal Triggerdev::VERSION, Triggerdev.library_version
    assert_equal "0.2.0", Triggerdev::VERSION
    assert_equal "0.2", Triggerdev::ABI_VERSION
    assert_equal Triggerdev::ABI_VERSION, Triggerdev::Native.trigger_abi_version
    assert File.file?(Triggerdev.library_path)
  end

  def test_the_abi_rule
    assert_equal %w[0.2 0.2 0.10 1 1 2], %w[0.2.0 0.2.7 0.10.1 1.0.0 1.4.2 2.0.0].map { |v| Triggerdev::Native.abi_of(v) }
    assert_nil Triggerdev::Native.check_abi!("0.2", "0.2.9", "/x/libtriggerdev.so")
  end

  def test_a_library_of_another_abi_is_refused_saying_which_abi_it_found_and_which_it_needs
    error = assert_raises(LoadError) { Triggerdev::Native.check_abi!("0.3", "0.3.0", "/x/libtriggerdev.so") }
    assert_includes error.message, '/x/libtriggerdev.so has ABI "0.3" (libtriggerdev 0.3.0)'
    assert_includes error.message, 'needs ABI "0.2" (any libtriggerdev 0.2.x)'
    assert_match(/TRIGGERDEV_LIB/, error.message)

    error = assert_raises(LoadError) { Triggerdev::Native.check_abi!(nil, "0.1.0", "/x/libtriggerdev.so") }
    assert_includes error.message, 'has ABI "0.1" (libtriggerdev 0.1.0, a build from before trigger_abi_version existed)'
  end

  def test_a_library_of_another_abi_fails_to_load
    skip "needs a C compiler" unless system("cc --version", out: File::NULL, err: File::NULL)

    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "fake.c"), <<~C)
        const char *trigger_version(void) { return "0.3.1"; }
        const char *trigger_abi_version(void) { return "0.3"; }
      C
      lib = File.join(dir, "libfake.so")
      assert system("cc", "-shared", "-fPIC", "-o", lib, File.join(dir, "fake.c"))
      _out, err, status = load_in_child({ "TRIGGERDEV_LIB" => lib })
      refute status.success?
      assert_match(/has ABI "0\.3" \(libtriggerdev 0\.3\.1\), but this gem \(triggerdev 0\.2\.0\) needs ABI "0\.2".*\(LoadError\)/m, err)
    end
  end

  def test_search_order
    root = Triggerdev::Native::REPO_ROOT
    file = Triggerdev::Native::LIB_FILE
    assert_equal [Triggerdev::Native::GEM_COPY, "#{root}/target/release/#{file}", "#{root}/target/debug/#{file}"],
                 Triggerdev::Native.candidates({}).map(&:first)
    assert_equal ["/custom/release/#{file}", "/custom/debug/#{file}"],
                 Triggerdev::Native.candidates("CARGO_TARGET_DIR" => "/custom").map(&:first)[1, 2]
    assert_equal [["/opt/lib.so", "TRIGGERDEV_LIB"]], Triggerdev::Native.candidates("TRIGGERDEV_LIB" => "/opt/lib.so")
  end

  def load_in_child(env, lib_dir: LIB_DIR)
    script = 'require "triggerdev"; puts Triggerdev.library_path'
    Open3.capture3(env, RbConfig.ruby, "-I", lib_dir, "-e", script)
  end

  def test_load_errors_say_what_was_looked_for_and_how_to_fix_it
    _out, err, status = load_in_child({ "TRIGGERDEV_LIB" => "/nonexistent/libtriggerdev.so" })
    refute status.success?
    assert_match(%r{TRIGGERDEV_LIB.*/nonexistent/libtriggerdev\.so.*\(LoadError\)}m, err)

    ffi_c = $LOADED_FEATURES.find { |f| f.end_with?("ffi_c.so") }
    _out, err, status = load_in_child({ "TRIGGERDEV_LIB" => ffi_c })
    refute status.success?
    assert_match(/does not export trigger_version.*cargo cdylib/m, err)

    _out, err, status = load_in_child({ "TRIGGERDEV_LIB" => __FILE__ })
    refute status.success?
    assert_match(/cannot open .*native_test\.rb/, err)

    out, _err, status = load_in_child({ "TRIGGERDEV_LIB" => Triggerdev.library_path })
    assert status.success?
    assert_equal Triggerdev.library_path, out.strip
  end

  def test_the_gems_own_copy_wins_over_the_repository
    Dir.mktmpdir do |dir|
      FileUtils.cp_r(LIB_DIR, dir)
      copy = File.join(dir, "lib", "triggerdev", "native", Triggerdev::Native::LIB_FILE)
      FileUtils.cp(Triggerdev.library_path, copy)
      out, err, status = load_in_child({ "TRIGGERDEV_LIB" => nil }, lib_dir: File.join(dir, "lib"))
      assert status.success?, err
      assert_equal copy, out.strip

      FileUtils.rm(copy)
      _out, err, status = load_in_child({ "TRIGGERDEV_LIB" => nil }, lib_dir: File.join(dir, "lib"))
      refute status.success?
      assert_match(/cannot find #{Regexp.escape(Triggerdev::Native::LIB_FILE)}; looked for .*native.*release.*debug.*cargo cdylib/m, err)
    end
  end
end
