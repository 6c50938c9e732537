# frozen_string_literal: true

# The local Trigger.dev API emulator (a native binary in libexec/, put there by build_gem.sh) as
# a platform gem, so that tests can run it without Rust: Triggerdev::Testing::Emulator finds it.
Gem::Specification.new do |spec|
  spec.name = "triggerdev-emulator"
  spec.version = "0.2.0" # released with triggerdev
  spec.summary = "The local emulator of the Trigger.dev management API, for tests of code that uses triggerdev"
  spec.description = <<~TEXT
    triggerdev-emulator, a stateful in-memory emulator of the Trigger.dev management API (runs,
    batches, envvars, schedules, queues, deployments, waitpoint tokens, sessions, the server's
    auth rules, fault injection), as a native binary that Triggerdev::Testing::Emulator starts.
  TEXT
  spec.authors = ["triggerdev contributors"]
  spec.licenses = ["MIT", "Apache-2.0"]
  spec.homepage = "https://github.com/triggerdev/triggerdev"
  spec.metadata = {
    "homepage_uri" => spec.homepage,
    "source_code_uri" => "https://github.com/triggerdev/triggerdev/tree/main/emulator",
    "rubygems_mfa_required" => "true",
  }
  spec.required_ruby_version = ">= 3.1"
  spec.platform = ENV.fetch("TRIGGERDEV_GEM_PLATFORM", "x86_64-linux")
  spec.files = %w[lib/triggerdev_emulator.rb exe/triggerdev-emulator libexec/triggerdev-emulator
                  LICENSE-MIT LICENSE-APACHE triggerdev-emulator.gemspec]
  spec.bindir = "exe"
  spec.executables = ["triggerdev-emulator"]
  spec.require_paths = ["lib"]
end
