# frozen_string_literal: true

require "logger"
require_relative "native"

module Triggerdev
  # The library's log lines — one DEBUG line per request (method, path, status, time, attempt),
  # one INFO line per retry (the reason and the wait), never a token, header value or body — go
  # to Triggerdev.logger, a standard Logger. None by default (silent);
  # TRIGGERDEV_LOG=debug (or info) in the environment logs to $stderr at that level.
  #
  #   Triggerdev.logger = Logger.new($stderr, level: :info)   # retries only
  #   Triggerdev.logger = Rails.logger
  #   Triggerdev.logger = nil                                 # silent again
  #
  # The library passes on only the levels the logger shows, read when it is assigned: assign it
  # again after changing its level.
  module Logging
    SEVERITIES = { 1 => Logger::ERROR, 2 => Logger::WARN, 3 => Logger::INFO, 4 => Logger::DEBUG, 5 => Logger::DEBUG }.freeze

    # The callback the library calls with each line (kept referenced here for the process).
    CALLBACK = FFI::Function.new(:void, %i[int string pointer]) do |level, message, _userdata|
      Triggerdev.logger&.add(SEVERITIES.fetch(level, Logger::DEBUG), message&.dup&.force_encoding(Encoding::UTF_8), "triggerdev")
    rescue StandardError
      nil # a broken logger must not break the call
    end

    # The most detailed trigger_log_level a logger at +level+ shows (0: none).
    def self.library_level(logger)
      return 0 if logger.nil?

      { Logger::DEBUG => 4, Logger::INFO => 3, Logger::WARN => 2, Logger::ERROR => 1, Logger::FATAL => 1 }.fetch(logger.level, 0)
    end

    def self.sync(logger)
      level = library_level(logger)
      Native.call_void(:trigger_set_log_callback, level.zero? ? nil : CALLBACK, nil, level)
    end

    def self.from_env(env = ENV)
      level = { "debug" => Logger::DEBUG, "info" => Logger::INFO }[env.fetch("TRIGGERDEV_LOG", "").strip.downcase]
      level && Logger.new($stderr, level: level, progname: "triggerdev")
    end
  end

  class << self
    # The Logger that receives the library's lines, or nil (see Triggerdev::Logging).
    attr_reader :logger

    def logger=(logger)
      unless logger.nil? || (logger.respond_to?(:add) && logger.respond_to?(:level))
        raise TypeError, "Triggerdev.logger= takes a Logger (or nil), not #{Util.describe(logger)}"
      end

      Logging.sync(logger)
      @logger = logger
    end
  end

  env_logger = Logging.from_env
  self.logger = env_logger if env_logger
end
