# frozen_string_literal: true

# Installing the source gem: builds libtriggerdev from the Rust crate in ./rust (put there by
# build_gem.sh) with cargo, into lib/triggerdev/native/, where Triggerdev::Native loads it. The
# Makefile it leaves has nothing to do: RubyGems only runs it.
require "fileutils"

crate = File.expand_path("rust", __dir__)
native = File.expand_path("../../lib/triggerdev/native", __dir__)
cargo = ENV.fetch("CARGO", "cargo")
unless system(cargo, "--version", out: File::NULL, err: File::NULL)
  abort <<~TEXT
    triggerdev: building the library from source needs Rust's cargo (https://rustup.rs), and
    there is no `#{cargo}` on PATH. Install the platform gem instead (triggerdev-VERSION-x86_64-linux,
    which carries the library), or install Rust and retry.
  TEXT
end

own_target = ENV["CARGO_TARGET_DIR"].to_s.empty?
target = own_target ? File.join(crate, "target") : File.expand_path(ENV["CARGO_TARGET_DIR"], crate)
puts "triggerdev: building libtriggerdev with cargo (a few minutes)"
system(cargo, "rustc", "--lib", "--release", "--features", "capi", "--crate-type", "cdylib",
       "--manifest-path", File.join(crate, "Cargo.toml"), exception: true)
name = RbConfig::CONFIG["host_os"].include?("darwin") ? "libtriggerdev.dylib" : "libtriggerdev.so"
FileUtils.mkdir_p(native)
FileUtils.cp(File.join(target, "release", name), native)
FileUtils.rm_rf(target) if own_target # the build tree is large; the library is all the gem needs

File.write("Makefile", "all:\n\t@:\ninstall:\n\t@:\nclean:\n\t@:\n")
