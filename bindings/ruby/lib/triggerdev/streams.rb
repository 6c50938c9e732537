# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # client.streams: input streams, values sent to a running task. Run streams (what a task
  # writes) are read with client.runs.stream.
  class Streams < Resource
    # Sends +data+ (any JSON value) to the run's input stream +stream_id+
    # (POST /realtime/v1/streams/{run_id}/input/{stream_id}, body {"data": data}; the official
    # +streams.input({id}).send(runId, data)+), with the client's retries. Returns nil.
    def send_input(run_id, stream_id, data)
      call(:trigger_streams_send_input, id!(run_id, "run_id"), id!(stream_id, "stream_id"), Util.json(data, "data"))
      nil
    end
  end
end
