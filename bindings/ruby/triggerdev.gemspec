# frozen_string_literal: true

require_relative "lib/triggerdev/version"

Gem::Specification.new do |spec|
  spec.name = "triggerdev"
  spec.version = Triggerdev::VERSION
  spec.summary = "The Trigger.dev management API from Ruby, over the triggerdev C library"
  spec.description = <<~TEXT
    Trigger tasks and manage runs, batches, environment variables, schedules, queues,
    deployments, waitpoint tokens, bulk actions and sessions of Trigger.dev, and mint public
    access tokens, with the official SDK's wire behaviour (retries, idempotency keys, superjson
    payloads). A thin
    layer (the ffi gem) over libtriggerdev, the C ABI of the triggerdev Rust SDK; includes
    Triggerdev::Testing::Emulator for tests against the local API emulator.
  TEXT
  spec.authors = ["triggerdev contributors"]
  spec.license = "MIT OR Apache-2.0"
  spec.required_ruby_version = ">= 3.1"

  # lib/triggerdev/native/ holds the library when the gem is built with its own copy
  # (README.md, "Packaging"); without it the gem looks for TRIGGERDEV_LIB or a cargo build.
  spec.files = Dir[File.join(__dir__, "{lib,examples}/**/*.rb")].map { |f| f.delete_prefix("#{__dir__}/") } +
               Dir[File.join(__dir__, "lib/triggerdev/native/*.{so,dylib,dll}")].map { |f| f.delete_prefix("#{__dir__}/") } +
               %w[README.md triggerdev.gemspec]
  spec.require_paths = ["lib"]

  spec.add_dependency "ffi", ">= 1.15", "< 2"
  spec.add_development_dependency "minitest", "~> 5.15"
  spec.metadata["rubygems_mfa_required"] = "true"
end
