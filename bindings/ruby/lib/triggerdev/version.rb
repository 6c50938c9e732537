# frozen_string_literal: true

module Triggerdev
  # The gem's version: the crate version of the library it binds.
  VERSION = "0.2.0"
  # The ABI this gem is written for: the library's trigger_abi_version() must return the same, or
  # loading fails (see Triggerdev::Native). "0.MINOR" before 1.0 (each minor version may change
  # the ABI), "MAJOR" from 1.0; a newer patch release of the library (0.2.x) is accepted.
  ABI_VERSION = "0.2"
end
