# frozen_string_literal: true

module Triggerdev
  # The gem's version: the crate version of the library it binds. The library loaded must report
  # the same from trigger_version(), or loading fails (see Triggerdev::Native).
  VERSION = "0.2.0"
end
