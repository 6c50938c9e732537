# frozen_string_literal: true

require_relative "test_helper"

# tests/sessions.rs and tests/c/test_sessions.c: sessions, their channels and subscriptions;
# the scope table row by row, both URL forms with one token, expiry, a stream resumed after a
# drop and an `event: error` with no record lost or repeated, a retried append recorded once, a
# closed session never retried, and a subscription stopped from another thread.
class SessionsTest < TriggerdevTest
  def start(c, external = nil, **options)
    c.sessions.start(type: "chat", task_identifier: "chat-agent", base_payload: { model: "small" },
                     external_id: external, **options)
  end

  # SSE windows drain what there is and close at once (the server's wait=0).
  def drain_windows
    emu.set_session_options(sse_linger_ms: 0)
  end

  def mint(c = client, **scopes)
    c.auth.create_public_token(scopes: scopes)
  end

  def test_start_gives_the_session_token_and_caches_by_external_id
    c = client
    started = start(c, "chat-1")
    assert_kind_of Triggerdev::StartedSession, started
    assert started.id.start_with?("session_")
    assert_equal ["chat-1", "chat", "chat-agent"], [started.external_id, started.type, started.task_identifier]
    assert started.run_id.start_with?("run_")
    refute started.cached?
    refute started.closed?
    assert_equal({ "model" => "small" }, started.trigger_config.base_payload)
    # The body's token (session scopes), never the run-scoped x-trigger-jwt header.
    assert_equal %w[read:sessions:chat-1 write:sessions:chat-1], jwt_claims(started.public_access_token)["scopes"]
    refute_includes started.inspect, started.public_access_token
    again = start(c, "chat-1")
    assert again.cached?
    assert_equal started.id, again.id

    request = logged("/api/v1/sessions").find { |r| r["method"] == "POST" }
    assert_equal '{"type":"chat","externalId":"chat-1","taskIdentifier":"chat-agent","triggerConfig":{"basePayload":{"model":"small"}}}',
                 request["rawBody"]
    assert_equal "v2", request["headers"]["x-trigger-realtime-streams-version"]

    full = c.sessions.start(type: "chat", task_identifier: "chat-agent", external_id: "chat-full",
                            trigger_config: { base_payload: { a: 1 }, machine: "small-1x", queue: "q",
                                              tags: "cfg", max_attempts: 3, idle_timeout_in_seconds: 300 },
                            tags: ["t"], metadata: { plan: "pro" }, expires_at: Time.utc(2099, 1, 1))
    assert_equal Time.utc(2099, 1, 1), full.expires_at
    assert_equal({ "plan" => "pro" }, full.metadata)
    body = logged("/api/v1/sessions").select { |r| r["method"] == "POST" }.last["body"]
    assert_equal({ "basePayload" => { "a" => 1 }, "machine" => "small-1x", "queue" => "q", "tags" => ["cfg"],
                   "maxAttempts" => 3, "idleTimeoutInSeconds" => 300 }, body["triggerConfig"])
    assert_equal "2099-01-01T00:00:00.000Z", body["expiresAt"]
  end

  def test_list_retrieve_update_close_by_either_id
    c = client
    started = start(c, "chat-2")
    4.times { start(c) }
    page = c.sessions.list_page(type: "chat", limit: 2)
    assert_kind_of Triggerdev::SessionsPage, page
    assert_equal 2, page.size
    assert page.has_next_page?
    assert_equal "chat", logged("/api/v1/sessions").last["query"]["filter[type]"]
    emu.clear_requests
    assert_equal 5, c.sessions.list(limit: 2).count, "three pages of two, lazily"
    assert_equal 3, logged("/api/v1/sessions").size
    assert_equal [started.id], c.sessions.list(external_id: "chat-2").map(&:id)

    by_id = c.sessions.retrieve(started.id)
    assert_kind_of Triggerdev::Session, by_id
    assert_equal by_id, c.sessions.retrieve("chat-2")

    updated = c.sessions.update("chat-2", tags: ["vip"], metadata: { plan: "pro" })
    assert_equal [["vip"], { "plan" => "pro" }], [updated.tags, updated.metadata]
    cleared = c.sessions.update(started.id, metadata: nil)
    assert_nil cleared.metadata
    assert_equal '{"metadata":null}', logged("/api/v1/sessions/").last["rawBody"]
    assert_equal ["vip"], cleared.tags

    closed = c.sessions.close(started.id, reason: "done")
    assert_equal "done", closed.closed_reason
    assert closed.closed?
    assert_kind_of Time, closed.closed_at
    assert_equal "done", c.sessions.close("chat-2").closed_reason, "closing again is idempotent"
    assert_equal ["CLOSED"], [emu.session("chat-2")["status"]]
  end

  def test_the_scope_table_row_by_row
    drain_windows
    key = client
    started = start(key, "chat-3")
    key.sessions.open("chat-3").output.append({ text: "welcome" })
    read = no_retry(mint(key, read: { sessions: "chat-3" }))
    write = no_retry(mint(key, write: { sessions: "chat-3" }))

    # read:sessions:{id}: retrieve (both URL forms), list its runs, subscribe to and drain both.
    assert_equal started.id, read.sessions.retrieve("chat-3").id
    assert_equal started.id, read.sessions.retrieve(started.id).id
    assert_equal [started.run_id], read.runs.list(session: "chat-3").map(&:id)
    assert_equal "chat-3", logged("/api/v1/runs").last["query"]["filter[session]"]
    session = read.sessions.open(started.id)
    assert_equal 1, session.output.records.size
    assert_empty session.input.records
    out = session.output.subscribe(stop_at_end_of_window: true).to_a
    assert_equal ['{"text":"welcome"}'], out.map(&:data), "an appended record's data is the text that was posted"
    assert_empty session.in_.subscribe(stop_at_end_of_window: true).to_a
    assert_raises(Triggerdev::PermissionDeniedError) { session.input.append("hi") }

    # write:sessions:{id}: append to .in, nothing else.
    w = write.sessions.open("chat-3")
    assert w.input.append("hello").ok?
    assert_raises(Triggerdev::PermissionDeniedError) { w.output.records }
    assert_raises(Triggerdev::PermissionDeniedError) { write.sessions.retrieve("chat-3") }
    assert_equal ["hello"], session.input.subscribe(stop_at_end_of_window: true).map(&:data), "read drains .in too"

    # Neither: .out append, update, close, refused before sending.
    emu.clear_requests
    [read, write].each do |c|
      assert_raises(Triggerdev::UnsupportedCredentialError) { c.sessions.open("chat-3").out.append("x") }
      assert_raises(Triggerdev::UnsupportedCredentialError) { c.sessions.update("chat-3", tags: ["x"]) }
      assert_raises(Triggerdev::UnsupportedCredentialError) { c.sessions.close("chat-3") }
    end
    assert_empty logged("/"), "nothing was sent"

    # The session token from start carries both scopes.
    own = client(started.public_access_token)
    assert own.sessions.open("chat-3").input.append("again").ok?
    assert_equal started.id, own.sessions.retrieve("chat-3").id
  end

  def test_one_token_authorizes_both_url_forms_of_the_channels
    drain_windows
    started = start(client, "chat-forms")
    token = client(started.public_access_token)
    by_id = token.sessions.open(started.id).input
    by_external = token.sessions.open("chat-forms").input
    first = by_id.append("one")
    second = by_external.append("two")
    assert_equal [0, 1], [first.seq, second.seq], "the same channel"
    assert_equal %w[one two], by_external.records.map(&:data)
    assert_equal %w[two], by_id.records(after_seq: first.seq).map(&:data)
    paths = logged("/realtime/").map { |r| r["path"] }
    assert_includes paths, "/realtime/v1/sessions/#{started.id}/in/append"
    assert_includes paths, "/realtime/v1/sessions/chat-forms/in/append"
    assert_equal %w[one two], token.sessions.open(started.id).input.subscribe(stop_at_end_of_window: true).map(&:data)
  end

  def test_tokens_expire_on_the_server_clock
    started = start(client, "chat-4")
    reader = no_retry(client.auth.create_public_token(scopes: { read: { sessions: "chat-4" } }, expiration_time: "15m"))
    assert_equal started.id, reader.sessions.retrieve("chat-4").id
    emu.advance(seconds: 16 * 60)
    error = assert_raises(Triggerdev::AuthenticationError) { reader.sessions.retrieve("chat-4") }
    assert_equal 401, error.status
    # The session's own token lasts an hour.
    own = no_retry(started.public_access_token)
    assert_equal started.id, own.sessions.retrieve("chat-4").id
    emu.advance(seconds: 45 * 60)
    assert_raises(Triggerdev::AuthenticationError) { own.sessions.retrieve("chat-4") }
  end

  def test_a_retried_append_is_recorded_once
    c = client
    start(c, "chat-6")
    # The first attempt is handled, then its answer is lost: the retry carries the same part id.
    emu.add_fault(status: 503, count: 1, after_handler: true, path: "/realtime/v1/sessions/chat-6/in/append")
    input = c.sessions.open("chat-6").input
    appended = input.append({ n: 1 })
    assert appended.ok?
    assert_equal 1, input.records.size
    appends = logged("/realtime/v1/sessions/chat-6/in/append")
    assert_equal [503, 200], appends.map { |r| r["status"] }
    part = appends[0]["headers"]["x-part-id"]
    assert_equal 21, part.size
    assert_equal part, appends[1]["headers"]["x-part-id"]
    assert_equal '{"n":1}', appends[0]["rawBody"]
    # A String goes as its text.
    input.append("plain text")
    assert_equal "plain text", logged("/realtime/v1/sessions/chat-6/in/append").last["rawBody"]
    # The server keeps them as the text that was posted (a subscription hands out the same).
    assert_equal [{ "n" => 1 }.to_json, "plain text"], input.records.map(&:data)
  end

  def test_a_closed_session_is_a_terminal_error_never_retried
    c = client # with retries
    start(c, "chat-7")
    c.sessions.close("chat-7", reason: "bye")
    emu.clear_requests
    error = assert_raises(Triggerdev::SessionClosedError) { c.sessions.open("chat-7").input.append("late") }
    # The server's 400 without a code.
    assert_equal [400, nil, 21], [error.status, error.code, error.kind]
    assert_equal "400 Cannot append to a closed session", error.message
    assert_equal 1, logged("/").size, "not retried"
    # The 4.8.3 docs' 409 with its code: one too, and not retried although other 409s are.
    emu.add_fault(status: 409, path: "/realtime/v1/sessions/chat-7/in/append",
                  body: { ok: false, error: "Cannot append to a closed session", code: "session_closed" })
    emu.clear_requests
    error = assert_raises(Triggerdev::SessionClosedError) { c.sessions.open("chat-7").input.append("late") }
    assert_equal [409, "session_closed"], [error.status, error.code]
    assert_equal 1, logged("/").size, "not retried"
    emu.clear_faults
    # Starting it again is a 409 as well, but a plain ConflictError (assert_raises checks the exact class).
    assert_raises(Triggerdev::ConflictError) { start(no_retry, "chat-7") }
  end

  def test_a_dropped_stream_and_an_error_event_resume_with_none_lost_or_repeated
    drain_windows
    c = client
    started = start(c, "chat-8")
    emu.append_session_records("chat-8", Array.new(10) { |i| { data: { i: i } } })
    emu.add_fault(sse_drop_after: 3, count: 1)
    emu.add_fault(sse_error_after: 4, count: 1)
    records = c.sessions.open(started.id).output.subscribe(stop_at_end_of_window: true).to_a
    assert_equal (0..9).to_a, records.map { |r| r.data["i"] }
    assert_equal (0..9).to_a, records.map(&:seq_num)
    assert_equal records.size, records.map(&:id).uniq.size
    # Three connections: the dropped one, the one cut by `event: error`, and the last; the later
    # ones resumed with Last-Event-ID = the last seq_num, never the SSE id line.
    connects = logged("/realtime/v1/sessions/#{started.id}/out")
    assert_equal 3, connects.size
    assert_equal [nil, records[2].seq_num.to_s, records[6].seq_num.to_s],
                 connects.map { |r| r["headers"]["last-event-id"] }
    assert_equal "text/event-stream", connects[0]["headers"]["accept"]
    assert_kind_of Time, records.first.time
  end

  def test_command_records_are_skipped_and_turn_complete_refreshes_the_token
    drain_windows
    started = start(client, "chat-9")
    emu.append_session_out("chat-9", "first")
    emu.append_session_records("chat-9", { command: "fence", body: "f" })
    emu.advance(seconds: 5) # so that the refreshed token differs
    emu.session_turn_complete("chat-9")
    reader = client(started.public_access_token)
    sub = reader.sessions.open("chat-9").output.subscribe(stop_at_end_of_window: true)
    first, control, *rest = sub.to_a
    assert_empty rest
    assert_equal "first", first.data
    refute first.turn_complete?
    assert control.turn_complete?
    assert_nil control.data
    refreshed = control.public_access_token
    refute_nil refreshed
    refute_equal started.public_access_token, refreshed
    assert_equal refreshed, control.header("Public-Access-Token")
    assert_equal control.seq_num, sub.last_seq, "the cursor advanced past the command record too"
  end

  # last_seq is the library's (trigger_session_stream_last_seq): the records handed out, not
  # the batch they came in, then the command record skipped after the last of them.
  def test_last_seq_is_where_a_new_subscription_resumes_and_passes_a_trailing_command_record
    drain_windows
    c = client
    start(c, "chat-seq")
    seqs = emu.append_session_records("chat-seq", Array.new(7) { |i| { data: i } })
    fence = emu.append_session_records("chat-seq", { command: "fence", body: "f" }).first
    assert_equal 7, seqs.size
    assert_operator fence, :>, seqs.last
    out = c.sessions.open("chat-seq").output
    sub = out.subscribe(stop_at_end_of_window: true)
    assert_nil sub.last_seq, "before the first record"
    seen = []
    sub.each do |record|
      seen << [record.data, sub.last_seq]
      break if seen.size == 3
    end
    assert_equal [[0, seqs[0]], [1, seqs[1]], [2, seqs[2]]], seen, "read after each record, inside the block"
    assert_equal seqs[2], sub.last_seq, "the 3rd record's seq, not the end of its batch"

    resumed = out.subscribe(stop_at_end_of_window: true, last_event_id: sub.last_seq)
    assert_equal seqs[2], resumed.last_seq, "the last_event_id: it starts after"
    records = resumed.to_a
    assert_equal [3, 4, 5, 6], records.map(&:data), "none lost, none repeated"
    assert_equal seqs[3..], records.map(&:seq_num)
    assert_equal fence, resumed.last_seq

    assert_equal [3, 4, 5, 6], sub.map(&:data), "the first subscription resumes from its last_seq"
    assert_equal fence, sub.last_seq, "past the fence, kept after the stream is freed"
    assert_empty sub.to_a
    assert_equal fence, sub.last_seq

    again = out.subscribe(stop_at_end_of_window: true)
    assert_equal [0, 1, 2], again.first(3).map(&:data)
    assert_equal seqs[2], again.last_seq
    assert_equal [3, 4, 5], again.first(3).map(&:data), "a second first(3) resumes after the first"
    assert_equal seqs[5], again.last_seq
  end

  def test_a_subscription_is_an_enumerable_that_resumes_where_it_stopped
    drain_windows
    c = client
    start(c, "chat-12")
    emu.append_session_records("chat-12", Array.new(7) { |i| { data: i } })
    out = c.sessions.open("chat-12").output
    sub = out.subscribe(stop_at_end_of_window: true)
    assert_empty logged("/realtime/"), "no request until it is iterated"
    assert_nil sub.last_seq, "before the first record"
    assert_equal [0, 1, 2], sub.first(3).map(&:data)
    assert_equal 2, sub.last_seq, "the last record's seq"
    assert_equal [3, 4, 5], sub.first(3).map(&:data), "a later each resumes after the last record"
    assert_equal 5, sub.last_seq
    assert_equal [6], sub.map(&:data)
    assert_empty sub.to_a

    enum = out.subscribe(stop_at_end_of_window: true, last_event_id: 3).each
    assert_kind_of Enumerator, enum
    assert_equal [4, 5], [enum.next.data, enum.next.data]
    assert_equal [4, 5, 6], out.subscribe(last_event_id: 3, stop_at_end_of_window: true).lazy.map(&:data).first(3)
    assert_equal [6], out.subscribe(from_latest: false, stop_at_end_of_window: true).select { |r| r.data == 6 }.map(&:data)
    request = logged("/realtime/v1/sessions/chat-12/out").last
    assert_nil request["headers"]["last-event-id"]

    # Arguments are checked when subscribe is called.
    assert_raises(Triggerdev::InvalidArgumentError) { out.subscribe(timeout_seconds: 0) }
    assert_raises(ArgumentError) { out.subscribe(stop_at_end: true) }
    assert_raises(TypeError) { out.subscribe(from_latest: "yes") }
  end

  def test_a_subscription_blocked_in_another_thread_is_stopped
    c = client
    start(c, "chat-10")
    emu.append_session_records("chat-10", [{ data: 0 }, { data: 1 }, { data: 2 }])
    sub = c.sessions.open("chat-10").output.subscribe(from_latest: true)
    reader = Thread.new { sub.first }
    # Readiness: the stream is open on the server; then one record is written live.
    wait_until("the stream to open") { emu.session_subscribers("chat-10") == 1 }
    emu.append_session_out("chat-10", "live")
    assert_equal "live", reader.value.data, "only what came after the tail"

    start(c, "chat-11")
    sub = c.sessions.open("chat-11").output.subscribe(from_latest: true)
    seen = []
    blocked = Thread.new { sub.each { |r| seen << r } }
    wait_until("the stream to open") { emu.session_subscribers("chat-11") == 1 }
    sub.stop
    assert blocked.join(10), "the blocked each returned"
    assert_same sub, blocked.value
    assert_empty seen, "stopped, no record, no error"
    assert sub.stopped?
    assert_empty sub.to_a, "a stopped subscription yields nothing"
    sub.stop # twice is fine
  end

  def test_named_channels_have_their_own_records_and_names_are_checked
    drain_windows
    c = client
    start(c, "chat-13")
    session = c.sessions.open("chat-13")
    side = session.channel("tool-calls")
    assert_equal "tool-calls", side.name
    side.input.append({ call: 1 })
    assert_equal 1, side.input.records.size
    assert_equal "/realtime/v1/sessions/chat-13/channels/tool-calls/in/records", logged("/realtime/").last["path"]
    assert_empty session.input.records
    error = assert_raises(Triggerdev::InvalidArgumentError) { session.channel("bad name") }
    assert_match(/channel/, error.message)
    assert_raises(Triggerdev::InvalidArgumentError) { session.channel("x" * 129) }
    assert_raises(TypeError) { session.channel(nil) }

    # A named-channel token reads that channel only.
    scoped = no_retry(mint(c, read: { sessions: "chat-13:channels:tool-calls" }))
    s = scoped.sessions.open("chat-13")
    assert_equal 1, s.channel("tool-calls").input.records.size
    assert_equal ['{"call":1}'], s.channel("tool-calls").in_.subscribe(stop_at_end_of_window: true).map(&:data)
    assert_raises(Triggerdev::PermissionDeniedError) { s.input.records }
  end

  def test_the_ambient_api_and_argument_checks
    configure_ambient
    drain_windows
    started = Triggerdev.sessions.start(type: "chat", task_identifier: "chat-agent", base_payload: {}, external_id: "amb")
    assert_equal started.id, Triggerdev.sessions.retrieve("amb").id
    session = Triggerdev.sessions.open("amb")
    session.in.append("hi")
    assert_equal ["hi"], session.input.subscribe(stop_at_end_of_window: true).map(&:data)
    token = Triggerdev::Auth.create_public_token(scopes: { read: { sessions: "amb" } })
    assert_equal ["read:sessions:amb"], jwt_claims(token)["scopes"]
    assert_equal 1, Triggerdev.sessions.list(external_id: "amb").count

    c = client
    assert_raises(ArgumentError) { c.sessions.start(type: "chat", task_identifier: "t") }
    assert_raises(ArgumentError) { c.sessions.start(type: "chat", task_identifier: "t", base_payload: {}, trigger_config: { machines: "x" }) }
    assert_raises(ArgumentError) { c.sessions.start(type: "chat", task_identifier: "t", base_payload: {}, external: "x") }
    assert_raises(TypeError) { c.sessions.start(type: "chat", task_identifier: "t", base_payload: {}, trigger_config: "x") }
    # base_payload may come inside trigger_config too.
    assert c.sessions.start(type: "chat", task_identifier: "t", trigger_config: { base_payload: { a: 1 } }).id
    assert_raises(TypeError) { c.sessions.open(nil) }
    assert_raises(ArgumentError) { c.sessions.open("amb").input.records(after_seq: -1) }
    assert_raises(ArgumentError) { c.sessions.update("amb", name: "x") }
    assert_raises(ArgumentError) { c.sessions.open("amb").input.append(Float::NAN) }
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.sessions.retrieve("") }
    assert_match(/session/, error.message)
  end
end
