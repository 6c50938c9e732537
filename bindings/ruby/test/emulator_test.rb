# frozen_string_literal: true

require "fileutils"
require "tmpdir"
require_relative "test_helper"

# Triggerdev::Testing::Emulator itself: discovery, start/stop, admin operations.
class EmulatorTest < TriggerdevTest
  def test_discovery
    assert File.executable?(Triggerdev::Testing::Emulator.binary)
    error = assert_raises(LoadError) { Triggerdev::Testing::Emulator.binary({ "TRIGGERDEV_EMULATOR" => "/nonexistent/emu" }) }
    assert_match(%r{/nonexistent/emu}, error.message)
    assert_equal __FILE__, Triggerdev::Testing::Emulator.binary({ "TRIGGERDEV_EMULATOR" => __FILE__ }) if File.executable?(__FILE__)
    assert_equal Triggerdev::Testing::Emulator.binary({}),
                 Triggerdev::Testing::Emulator.binary({ "CARGO_TARGET_DIR" => "/nonexistent" }),
                 "falls back to the repository's target/"
    Dir.mktmpdir do |checkout|
      File.write(File.join(checkout, "Cargo.toml"), "")
      error = assert_raises(LoadError) { Triggerdev::Testing::Emulator.binary({}, root: checkout) }
      assert_match(%r{looked for the triggerdev-emulator gem, #{checkout}/target/release/triggerdev-emulator, .*debug.*and PATH}, error.message)
      assert_match(/gem install triggerdev-emulator`.*`cargo build -p triggerdev-emulator` in #{checkout},/, error.message)
    end
  end

  def test_an_installed_gem_finds_the_emulator_on_path_and_never_suggests_cargo
    Dir.mktmpdir do |bin|
      # A gem's directory is no checkout: no target/ is looked at and cargo is not suggested.
      error = assert_raises(LoadError) { Triggerdev::Testing::Emulator.binary({ "PATH" => bin }, root: "/nonexistent") }
      assert_equal "cannot find triggerdev-emulator; looked for the triggerdev-emulator gem, and PATH. " \
                   "Install it with `gem install triggerdev-emulator`, or set TRIGGERDEV_EMULATOR to its path.",
                   error.message
      on_path = File.join(bin, "triggerdev-emulator")
      FileUtils.cp(Triggerdev::Testing::Emulator.binary, on_path)
      assert_equal on_path, Triggerdev::Testing::Emulator.binary({ "PATH" => "/nonexistent:#{bin}" }, root: "/nonexistent")
    end
  end

  def test_start_yields_a_fresh_emulator_and_stops_it
    pid = nil
    Triggerdev::Testing::Emulator.start(extra_args: ["--unknown-task", "nope"]) do |own|
      pid = own.pid
      assert_match(%r{\Ahttp://127\.0\.0\.1:\d+\z}, own.base_url)
      refute_equal emu.port, own.port
      assert_equal "proj_emulator", own.project_ref
      assert_equal %w[tr_dev_ tr_stg_ tr_prod_ tr_preview_ tr_pat_],
                   [own.dev_key, own.staging_key, own.prod_key, own.preview_key, own.pat].map { |k| k[/\Atr_[a-z]+_/] }
      assert_raises(Triggerdev::NotFoundError) { own.client(max_retries: 0).tasks.trigger("nope", {}) }
    end
    assert_raises(Errno::ESRCH, Errno::ECHILD) { Process.kill(0, pid) }
  end

  # An owner that starts an emulator and never stops it (no block, no #stop): what a test process
  # killed by a CI cancel or a timeout looks like.
  OWNER = <<~RUBY
    require "triggerdev/testing"
    emu = Triggerdev::Testing::Emulator.start
    $stdout.puts emu.pid
    $stdout.flush
    sleep
  RUBY

  def test_the_emulator_never_outlives_its_owner_killed_by_sigterm
    assert_emulator_dies_with_its_owner(:TERM)
  end

  def test_the_emulator_never_outlives_its_owner_killed_by_sigkill
    assert_emulator_dies_with_its_owner(:KILL)
  end

  def test_admin_operations
    c = client
    run = c.tasks.trigger("admin", {})
    emu.start_run(run.id)
    assert_equal "EXECUTING", c.runs.retrieve(run.id).status
    emu.fail_run(run.id, "crashed", status: "CRASHED")
    assert_equal "CRASHED", c.runs.retrieve(run.id).status

    delayed = c.tasks.trigger("admin", {}, delay: "10m")
    assert_equal "DELAYED", c.runs.retrieve(delayed.id).status
    emu.advance(seconds: 601)
    assert_equal "QUEUED", c.runs.retrieve(delayed.id).status

    state = emu.state
    assert_equal 2, state["runs"].size
    assert_equal run.id, emu.run(run.id)["id"]
    refute_empty emu.requests
    emu.clear_requests
    assert_empty emu.requests

    emu.add_fault([{ status: 503, count: 1 }, { latency_ms: 1, count: 1 }])
    assert_equal [503, nil], emu.faults.map { |f| f["status"] }
    emu.clear_faults
    emu.add_branch("feature-new")
    branch = client(emu.preview_key, preview_branch: "feature-new")
    assert_kind_of Triggerdev::RunsPage, branch.runs.list_page
    emu.reset
    assert_empty emu.runs
    assert_raises(RuntimeError) { emu.admin(:get, "/__emulator/nope") }
  end

  private

  def assert_emulator_dies_with_its_owner(signal)
    skip "reads /proc" unless File.directory?("/proc/self")
    lib = File.expand_path("../lib", __dir__)
    owner = IO.popen([RbConfig.ruby, "-I", lib, "-e", OWNER])
    begin
      pid = Integer(owner.gets)
      assert alive?(pid)
      Process.kill(signal, owner.pid)
      _, status = Process.wait2(owner.pid)
      assert_equal Signal.list.fetch(signal.to_s), status.termsig
    ensure
      owner.close
    end
    # A hang guard on a readiness-style condition: the emulator exits as soon as it reads end of
    # file on stdin, which the kernel gives it when the owner is gone.
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 1.0
    sleep 0.01 while alive?(pid) && Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
    survived = alive?(pid)
    Process.kill(:KILL, pid) if survived
    refute survived, "the emulator (pid #{pid}) outlived its owner"
  end

  # Whether process +pid+ runs (a zombie waiting for its new parent to reap it does not).
  def alive?(pid)
    state = File.read("/proc/#{pid}/stat").rpartition(")").last.split.first
    !%w[Z X].include?(state)
  rescue Errno::ENOENT, Errno::ESRCH
    false
  end
end
