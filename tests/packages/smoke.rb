# frozen_string_literal: true

# Smoke test of the installed triggerdev gems: run outside the source tree, with GEM_HOME set to
# where they were installed and no cargo on PATH. Argument: the version expected.
require "triggerdev"
require "triggerdev/testing"

def check(ok, what) = ok || abort("ruby smoke: #{what}")

check(ENV["PATH"].split(":").none? { |d| File.executable?(File.join(d, "cargo")) }, "cargo is on PATH")
check(Triggerdev::VERSION == ARGV[0], "version #{Triggerdev::VERSION}")
check(Triggerdev.library_path.start_with?(ENV.fetch("GEM_HOME")), "library #{Triggerdev.library_path}")
check(Triggerdev::Native.trigger_abi_version == Triggerdev::ABI_VERSION, "ABI #{Triggerdev::Native.trigger_abi_version}")
check(Triggerdev::Testing::Emulator.binary.start_with?(ENV.fetch("GEM_HOME")), "emulator #{Triggerdev::Testing::Emulator.binary}")
Triggerdev::Testing::Emulator.start do |emu|
  client = emu.client(max_retries: 0)
  handle = client.tasks.trigger("send-email", { to: "ada@example.com" }, tags: ["smoke"])
  run = client.runs.retrieve(handle.id)
  check([run.id, run.status, run.tags] == [handle.id, "QUEUED", ["smoke"]], "run #{run.inspect}")
  begin
    client.runs.retrieve("run_missing")
    abort "ruby smoke: no NotFoundError"
  rescue Triggerdev::NotFoundError => e
    check(e.status == 404, "status #{e.status}")
  end
end
puts "ruby #{RUBY_VERSION}: triggerdev #{Triggerdev::VERSION} from #{Triggerdev.library_path}: ok"
