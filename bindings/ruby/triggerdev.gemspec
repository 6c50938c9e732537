# frozen_string_literal: true

require_relative "lib/triggerdev/version"

# Three gems from this spec (bindings/ruby/build_gem.sh makes the first two):
#
# - a platform gem (x86_64-linux) when lib/triggerdev/native/ holds libtriggerdev: it carries
#   the library and installs without Rust;
# - a source gem (platform ruby) when ext/triggerdev/rust/ holds the Rust crate: installing it
#   builds the library with cargo (ext/triggerdev/extconf.rb);
# - otherwise a gem without the library, which loads TRIGGERDEV_LIB or a checkout's build.
Gem::Specification.new do |spec|
  native = Dir[File.join(__dir__, "lib/triggerdev/native/*.{so,dylib,dll}")]
  crate = File.join(__dir__, "ext/triggerdev/rust/Cargo.toml")
  relative = ->(paths) { paths.map { |f| f.delete_prefix("#{__dir__}/") } }

  spec.name = "triggerdev"
  spec.version = Triggerdev::VERSION
  spec.summary = "The Trigger.dev management API from Ruby, over the triggerdev C library"
  spec.description = <<~TEXT
    Trigger tasks and manage runs, batches, environment variables, schedules, queues,
    deployments, waitpoint tokens, bulk actions and sessions of Trigger.dev, and mint public
    access tokens, with the official SDK's wire behaviour (retries, idempotency keys, superjson
    payloads). A thin layer (the ffi gem) over libtriggerdev, the C ABI of the triggerdev Rust
    SDK; Triggerdev::Testing::Emulator runs the local API emulator (the triggerdev-emulator gem)
    for tests.
  TEXT
  spec.authors = ["triggerdev contributors"]
  spec.licenses = ["MIT", "Apache-2.0"]
  spec.homepage = "https://github.com/triggerdev/triggerdev"
  spec.metadata = {
    "homepage_uri" => spec.homepage,
    "source_code_uri" => "https://github.com/triggerdev/triggerdev/tree/main/bindings/ruby",
    "documentation_uri" => "https://github.com/triggerdev/triggerdev/blob/main/bindings/ruby/README.md",
    "changelog_uri" => "https://github.com/triggerdev/triggerdev/blob/main/CHANGELOG.md",
    "rubygems_mfa_required" => "true",
  }
  spec.required_ruby_version = ">= 3.1"

  spec.files = relative[Dir[File.join(__dir__, "lib/**/*.rb")]] +
               %w[README.md LICENSE-MIT LICENSE-APACHE triggerdev.gemspec]
  if !native.empty?
    spec.platform = ENV.fetch("TRIGGERDEV_GEM_PLATFORM", "x86_64-linux")
    spec.files += relative[native]
  elsif File.file?(crate)
    spec.extensions = ["ext/triggerdev/extconf.rb"]
    spec.files += ["ext/triggerdev/extconf.rb"] +
                  relative[Dir[File.join(__dir__, "ext/triggerdev/rust/**/*")].select { |f| File.file?(f) }]
  end
  spec.require_paths = ["lib"]

  spec.add_dependency "ffi", ">= 1.15", "< 2"
end
