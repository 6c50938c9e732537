# frozen_string_literal: true

require "json"
require_relative "resource"

module Triggerdev
  # A session (+sessions.retrieve+, +update+, +close+, list items).
  class Session < TriggerObject
    fields :id, :external_id, :type, :task_identifier, :trigger_config, :current_run_id, :tags,
           :metadata, :closed_at, :closed_reason, :expires_at, :created_at, :updated_at

    def closed?
      !self["closedAt"].nil?
    end
  end

  # What +sessions.start+ returns: the Session, with +run_id+ (its current run), +cached?+
  # (the external id named an existing session) and +public_access_token+ (scoped
  # +read:sessions:<key>+ and +write:sessions:<key>+, valid 1 hour).
  class StartedSession < Session
    fields :run_id, :public_access_token, :is_cached
  end

  # A page of +sessions.list_page+: +data+ (Sessions) and cursors.
  class SessionsPage < CursorPage
    nested "data" => Session
  end

  # What an append returns: +ok?+ and +seq+ (the record's sequence number).
  class Appended < TriggerObject
    fields :ok, :seq

    def ok?
      ok ? true : false
    end
  end

  # A record read without waiting (+channel.records+): +data+ (what was appended; for +.in+
  # the text that was posted), +id+ (its part id), +seq_num+, +headers+ ([[name, value], ...]).
  class ChannelRecord < TriggerObject
    raw "data"
    fields :data, :id, :seq_num, :headers
  end

  # A record of a subscription: +seq_num+, +id+ (the part id), +data+ (nil for control
  # records), +timestamp+ (epoch ms; #time as a Time), +headers+, +control+ ("turn-complete",
  # ...), +turn_complete?+, and +public_access_token+ (the refreshed token a turn-complete
  # record may carry; the subscription uses it from then on).
  class SessionRecord < TriggerObject
    raw "data"
    fields :seq_num, :id, :data, :timestamp, :headers, :control

    def turn_complete?
      control == "turn-complete"
    end

    # The value of header +name+ (case-insensitive), or nil.
    def header(name)
      wanted = name.to_s.downcase
      pair = (headers || []).find { |k, _| k.to_s.downcase == wanted }
      pair && pair[1]
    end

    def public_access_token
      header("public-access-token")
    end

    def time
      ts = timestamp
      ts.is_a?(Integer) ? Time.at(Rational(ts, 1000)).utc : nil
    end
  end

  # client.sessions: long-lived sessions (a chat, an agent) with a run and two channels,
  # +.in+ (written by clients) and +.out+ (written by the task), plus named side channels.
  #
  #   started = client.sessions.start(type: "chat", task_identifier: "chat-agent",
  #                                   base_payload: { model: "small" }, external_id: "chat-42")
  #   # A frontend, with the session's token alone:
  #   frontend = Triggerdev::Client.new(access_token: started.public_access_token)
  #   session = frontend.sessions.open("chat-42")
  #   session.input.append({ text: "hello" })
  #   session.output.subscribe.each { |record| break if record.turn_complete?; puts record.data }
  class Sessions < Resource
    TRIGGER_CONFIG = {
      machine: :string, queue: :string, concurrency: :strings, concurrency_key: :string,
      tags: :strings, max_attempts: :integer, max_duration: :integer, lock_to_version: :string,
      region: :string, idle_timeout_in_seconds: :integer, external_deployment_id: :string
    }.freeze

    START = {
      type: :string, external_id: :string, task_identifier: :string, tags: :strings,
      metadata: :json, expires_at: :iso_time
    }.freeze

    LIST_PARAMS = {
      type: :strings, tag: :strings, task_identifier: :strings, external_id: :string,
      status: :strings, period: :string, from: :epoch_ms, to: :epoch_ms, limit: :integer,
      after: :string, before: :string
    }.freeze

    UPDATE = { tags: :strings, metadata: :json, external_id: :string }.freeze
    # Update fields where nil means "send null" (clear), not "leave out".
    NULLABLE = %i[metadata external_id].freeze

    NO_VALUE = Object.new.tap { |o| def o.inspect = "Triggerdev::Sessions::NO_VALUE" }.freeze
    private_constant :NO_VALUE

    # Starts a session and its first run; returns a StartedSession. The same +external_id:+
    # again returns the same session (+cached?+), with a fresh token.
    #
    # +type:+ ("chat"), +task_identifier:+ (the task its runs run), +base_payload:+ (the
    # payload every run gets, a JSON object), and optionally +external_id:+, +trigger_config:+
    # ({machine:, queue:, concurrency:, concurrency_key:, tags:, max_attempts:, max_duration:,
    # lock_to_version:, region:, idle_timeout_in_seconds:, external_deployment_id:}), +tags:+,
    # +metadata:+, +expires_at:+ (a Time or an ISO 8601 String).
    def start(type:, task_identifier:, base_payload: NO_VALUE, trigger_config: nil, **options)
      config_opts = trigger_config || {}
      unless config_opts.is_a?(Hash)
        raise TypeError, "trigger_config: must be a Hash, not #{Util.describe(config_opts)}"
      end

      config_opts = config_opts.transform_keys(&:to_sym)
      base_payload = config_opts.delete(:base_payload) { NO_VALUE } if base_payload.equal?(NO_VALUE)
      raise ArgumentError, "sessions.start needs base_payload: (a JSON object)" if base_payload.equal?(NO_VALUE)

      body = Params.build(START, { type: type, task_identifier: task_identifier, **options }, "sessions.start")
      config = Params.build(TRIGGER_CONFIG, config_opts, "sessions.start trigger_config:")
      body["triggerConfig"] = { "basePayload" => base_payload }.merge(config)
      object(StartedSession, call(:trigger_sessions_start, Util.json(body, "sessions.start", members: true)))
    end

    # Every session the filters match, newest first, as a lazy Enumerable of Sessions.
    # Filters: type:, tag:, task_identifier:, external_id:, status: ("ACTIVE", "CLOSED",
    # "EXPIRED"), period:, from:/to: (Time or epoch ms), limit: (page size), after:/before:.
    def list(**filters)
      pager("sessions", options_json(LIST_PARAMS, filters, "sessions.list"), Session) do |sessions|
        sessions.list_page(**filters)
      end
    end

    # One page of sessions (a SessionsPage), same filters as #list.
    def list_page(**filters)
      cursor_page(SessionsPage, :trigger_sessions_list,
                  options_json(LIST_PARAMS, filters, "sessions.list_page")) do |cursor|
        list_page(**filters, after: cursor, before: nil)
      end
    end

    # The Session +session+ (its "session_..." id or its external id).
    def retrieve(session)
      object(Session, call(:trigger_sessions_retrieve, id!(session, "session")))
    end

    # Changes a session's +tags:+, +metadata:+ (nil clears it) or +external_id:+; returns the
    # Session. Needs a secret key (UnsupportedCredentialError with a public token, before
    # anything is sent).
    def update(session, **changes)
      id = id!(session, "session")
      body = Params.build(UPDATE, changes, "sessions.update")
      NULLABLE.each { |key| body[Util.camelize(key)] = nil if changes.key?(key) && changes[key].nil? }
      object(Session, call(:trigger_sessions_update, id, Util.json(body, "sessions.update", members: true)))
    end

    # Closes a session (terminal and idempotent; the first +reason:+ stays); returns the
    # Session. Needs a secret key.
    def close(session, reason: nil)
      id = id!(session, "session")
      object(Session, call(:trigger_sessions_close, id, Util.optional_string(reason, "reason:")))
    end

    # A handle on the channels of +session+ (its id or external id); no request is made.
    def open(session)
      SessionHandle.new(@client, id!(session, "session"))
    end
  end

  # The channels of a session (Sessions#open): the default pair (#input / #in_ / #in and
  # #output / #out) or, from #channel, a named one.
  class SessionHandle
    # Channel names: 1 to 128 of A-Z a-z 0-9 . _ -
    NAME = /\A[A-Za-z0-9._-]{1,128}\z/.freeze

    # The session's id or external id, as given to #open.
    attr_reader :session
    # The named channel's name, or nil for the default pair.
    attr_reader :name

    def initialize(client, session, name = nil)
      @client = client
      @session = session
      @name = name
    end

    # The +.in+ channel (written by clients with +write:sessions+, read by the task).
    def input
      SessionChannel.new(@client, @session, @name, "in")
    end
    alias in_ input
    alias_method :in, :input

    # The +.out+ channel (written by the task or a secret key, read with +read:sessions+).
    def output
      SessionChannel.new(@client, @session, @name, "out")
    end
    alias out output

    # The named side channel +name+ of this session (its own +.in+ and +.out+). Raises
    # InvalidArgumentError for a name that is not 1-128 of A-Z a-z 0-9 . _ -
    def channel(name)
      text = Util.string!(name, "channel")
      unless NAME.match?(text)
        raise InvalidArgumentError.new("channel: must be 1-128 of A-Z a-z 0-9 . _ -", kind: 1)
      end

      SessionHandle.new(@client, @session, text)
    end

    def inspect
      "#<#{self.class.name} #{@session}#{" channel #{@name}" if @name}>"
    end
  end

  # One direction of a session channel: append to it, read what it has, or subscribe to it.
  class SessionChannel < Resource
    SUBSCRIBE = {
      from_latest: :bool, last_event_id: :integer, timeout_seconds: :integer,
      stop_at_end_of_window: :bool, peek_settled: :bool
    }.freeze

    attr_reader :session, :name, :io

    def initialize(client, session, name, io)
      super(client)
      @session = session
      @name = name
      @io = io
    end

    # Appends +value+ (a String is sent as its text, anything else as JSON); returns Appended
    # (+ok?+, +seq+). One part id is made per call and sent on every retry, so a retried append
    # is recorded once. +.out+ needs a secret key (UnsupportedCredentialError with a public
    # token, before sending); a closed session is a SessionClosedError, never retried.
    def append(value)
      object(Appended, call(:trigger_sessions_append, @session, @name, @io, Util.json(value, "value")))
    end

    # The records the channel has now (ChannelRecords), all of them or those after
    # +after_seq:+ (a seq number); does not wait.
    def records(after_seq: nil)
      seq = after_seq
      if seq.nil?
        seq = -1
      else
        Util.integer!(seq, "after_seq:")
        raise ArgumentError, "after_seq: must not be negative" if seq.negative?
      end

      JSON.parse(call(:trigger_sessions_records, @session, @name, @io, seq)).map { |r| ChannelRecord.new(r) }
    end

    # A Subscription (a lazy Enumerable of SessionRecords over the channel's SSE stream). No
    # request is made until it is iterated. Options: from_latest: (start at the tail),
    # last_event_id: (resume after this seq), timeout_seconds: (the server's window, 1-600),
    # stop_at_end_of_window: (end at the window's end instead of reconnecting), peek_settled:
    # (on .out: end once the task's turn is settled).
    def subscribe(**options)
      built = Params.build(SUBSCRIBE, options, "subscribe")
      Subscription.new(@client.pinned, [@session, @name, @io], built)
    end

    def inspect
      "#<#{self.class.name} #{@session}#{"/#{@name}" if @name}.#{@io}>"
    end
  end

  # A subscription to a session channel: an Enumerable of SessionRecords, read from the SSE
  # stream as they come (each blocks until the next record). Dropped connections and +error+
  # events are retried and resumed after the last record; a terminal error (401, 403, 404,
  # 409, ...) is raised.
  #
  #   sub = session.output.subscribe
  #   reader = Thread.new { sub.each { |record| handle(record) } }
  #   ...
  #   sub.stop          # from any thread: the blocked #each returns at once
  #
  # #each opens a native stream and frees it when the iteration ends (at the end of the window
  # with +stop_at_end_of_window: true+, after #stop, by +break+ or an exception). A later #each
  # resumes from #last_seq, after the last record an earlier one yielded (+first(3)+ then
  # +first(3)+ reads six different records). After #stop, #each yields nothing. Without a
  # block, #each returns an Enumerator.
  class Subscription
    include Enumerable

    # Where a later #each (or a new subscription's +last_event_id:+) resumes without losing or
    # repeating a record: the library's +trigger_session_stream_last_seq+, read after each
    # record and when the stream ends (the seq of the last record handed out, or of S2 command
    # records skipped after it), kept after the stream is freed. nil before the first record,
    # or the +last_event_id:+ it started after.
    attr_reader :last_seq

    # +owner+: the client (pinned); +args+: session, channel name, io; +options+: the
    # subscribe options' JSON object (a Hash).
    def initialize(owner, args, options)
      @owner = owner
      @args = args
      @options = options
      @last_seq = nil
      @lock = Mutex.new
      @live = []
      @stopped = false
      # Bad arguments are reported by subscribe, not at the first record; the stream also says
      # where it starts (the last_event_id:, or nil).
      stream = open_stream
      begin
        @last_seq = read_last_seq(stream)
      ensure
        stream.free
      end
    end

    def each
      return enum_for(:each) unless block_given?

      stream = @lock.synchronize do
        next nil if @stopped

        open_stream.tap { |s| @live << s }
      end
      return self unless stream

      # trigger_session_stream_next writes the resume point beside each record (and at the end:
      # command records skipped after the last record count too).
      seq = FFI::MemoryPointer.new(:int64)
      seq.write_int64(-1)
      begin
        while (json = Native.call_json(:trigger_session_stream_next, stream, seq))
          update_last_seq(seq.read_int64)
          yield SessionRecord.new(JSON.parse(json))
        end
      ensure
        begin
          update_last_seq(seq.read_int64)
        ensure
          @lock.synchronize do
            @live.delete(stream)
            stream.free
          end
        end
      end
      self
    end

    # Ends every iteration of this subscription now, from any thread: a blocked #each returns
    # without another record. Later iterations yield nothing.
    def stop
      @lock.synchronize do
        @stopped = true
        @live.each { |stream| Native.trigger_session_stream_stop(stream) }
      end
      nil
    end

    def stopped?
      @stopped
    end

    def inspect
      "#<#{self.class.name} #{@args[0]}#{"/#{@args[1]}" if @args[1]}.#{@args[2]}#{' stopped' if @stopped}>"
    end

    private

    # The stream's trigger_session_stream_last_seq (nil for -1, before the first record).
    def read_last_seq(stream)
      seq = Native.call_int64(:trigger_session_stream_last_seq, stream)
      seq.negative? ? nil : seq
    end

    # Takes a stream's resume point (-1: none); never moves back (another #each running at the
    # same time may be further on).
    def update_last_seq(seq)
      seq = nil if seq.negative?
      @lock.synchronize { @last_seq = seq if seq && (@last_seq.nil? || seq > @last_seq) }
    end

    def open_stream
      opts = @options
      opts = opts.merge("lastEventId" => @last_seq) if @last_seq
      json = opts.empty? ? nil : JSON.generate(opts)
      @owner.with_handle do |handle|
        Native.call_handle(:trigger_sessions_subscribe, :trigger_session_stream_free, handle, *@args, json)
      end
    end
  end
end
