# frozen_string_literal: true

# The triggerdev-emulator binary this gem carries.
module TriggerdevEmulator
  # The path of the binary.
  BINARY = File.expand_path("../libexec/triggerdev-emulator", __dir__)

  def self.binary = BINARY
end
