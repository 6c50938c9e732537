# frozen_string_literal: true

require_relative "test_helper"

# Query and dashboards: the exact request of each call (from the emulator's log), the decoded
# objects, argument errors, a query the emulator cannot run and a 404.
class QueryTest < TriggerdevTest
  def test_execute_rows_and_csv
    c = client
    run_id = trigger(c, "hello").id
    emu.clear_requests
    result = c.query.execute("SELECT run_id, task_identifier FROM runs")
    assert_equal '{"query":"SELECT run_id, task_identifier FROM runs","scope":"environment","format":"json"}',
                 logged("/api/v1/query").last["rawBody"]
    assert_kind_of Triggerdev::QueryResult, result
    assert_equal [[{ "run_id" => run_id, "task_identifier" => "hello" }], nil], [result.rows, result.csv]

    csv = c.query.execute("SELECT count() FROM runs", scope: "organization", period: "1d",
                                                        from: Time.utc(2020, 1, 1), to: "2100-01-01T00:00:00Z",
                                                        format: "csv")
    assert_equal '{"query":"SELECT count() FROM runs","scope":"organization","period":"1d",' \
                 '"from":"2020-01-01T00:00:00.000Z","to":"2100-01-01T00:00:00Z","format":"csv"}',
                 logged("/api/v1/query").last["rawBody"]
    assert_equal ["csv", "count\n1\n", nil], [csv.format, csv.csv, csv.rows]
  end

  def test_execute_errors
    c = no_retry
    error = assert_raises(Triggerdev::BadRequestError) { c.query.execute("SELECT nope FROM runs") }
    assert_equal 400, error.status
    assert_match(/Unknown column: nope/, error.message)
    emu.clear_requests
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.query.execute(" ") }
    assert_match(/\Aquery: must not be empty\z/, error.message)
    error = assert_raises(Triggerdev::InvalidArgumentError) { c.query.execute("SELECT 1", scope: "galaxy") }
    assert_match(/scope/, error.message)
    assert_raises(TypeError) { c.query.execute("SELECT 1", period: 7) }
    assert_raises(ArgumentError) { c.query.execute("SELECT 1", limit: 7) }
    assert_empty logged
  end

  def test_schema
    schema = client.query.schema
    assert_equal ["GET"], logged("/api/v1/query/schema").map { |r| r["method"] }
    table = schema.tables.first
    assert_kind_of Triggerdev::QueryTable, table
    assert_equal %w[runs created_at], [table.name, table.time_column]
    assert_equal %w[run_id task_identifier status created_at], table.columns.map(&:name)
    status = table.columns[2]
    assert_equal ["String", true, "COMPLETED"], [status.type, status.core_column, status.example]
    assert_includes status.allowed_values, "QUEUED"
  end

  def test_dashboards_list_and_retrieve
    c = no_retry
    list = c.query.dashboards.list
    assert_kind_of Triggerdev::DashboardSummary, list.first
    assert_equal %w[overview builtIn Overview bignumber],
                 [list.first.key, list.first.type, list.first.title, list.first.widgets.first["type"]]
    one = c.query.dashboards.retrieve("overview")
    assert_equal ["/api/v1/query/dashboards", "/api/v1/query/dashboards/overview"],
                 logged("/api/v1/query/").map { |r| r["path"] }
    assert_kind_of Triggerdev::Dashboard, one
    assert_equal ["overview", "rev_1", "bignumber", Time.utc(1970)],
                 [one.id, one.revision, one.widgets.first["display"]["type"], one.created_at]
    error = assert_raises(Triggerdev::NotFoundError) { c.query.dashboards.retrieve("nope") }
    assert_equal 404, error.status
    assert_raises(Triggerdev::InvalidArgumentError) { c.query.dashboards.retrieve("") }
    assert_same Triggerdev.query.class, Triggerdev::Query
  end

  def test_dashboard_writes_and_revisions
    c = no_retry
    made = c.query.dashboards.create("Mine", widgets: [{ "id" => "w", "title" => "Runs" }])
    assert_equal '{"title":"Mine","widgets":[{"id":"w","title":"Runs"}]}', logged("/api/v1/query/dashboards").last["rawBody"]
    assert_equal ["Mine", "rev_1", [{ "id" => "w", "title" => "Runs" }]], [made.title, made.revision, made.widgets]
    renamed = c.query.dashboards.update(made.id, title: "Renamed", revision: "rev_1")
    assert_equal '{"title":"Renamed","revision":"rev_1"}', logged("/api/v1/query/dashboards/#{made.id}").last["rawBody"]
    assert_equal %w[Renamed rev_2], [renamed.title, renamed.revision]
    error = assert_raises(Triggerdev::ConflictError) { c.query.dashboards.update(made.id, revision: "rev_1") }
    assert_equal 409, error.status
    assert_raises(Triggerdev::InvalidArgumentError) { c.query.dashboards.create(" ") }
    assert_raises(ArgumentError) { c.query.dashboards.update(made.id, widgets: []) }
    assert_equal({ "id" => made.id }, c.query.dashboards.delete(made.id))
    assert_raises(Triggerdev::NotFoundError) { c.query.dashboards.del(made.id) }
  end
end
