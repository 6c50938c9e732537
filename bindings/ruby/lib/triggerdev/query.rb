# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # What +query.execute+ returned: +format+ ("json" or "csv") and +results+ (an Array of row
  # Hashes, or the CSV text); #rows and #csv give the one the format holds.
  class QueryResult < TriggerObject
    fields :format, :results
    raw "results"

    # The rows of a JSON result (nil for CSV).
    def rows = format == "json" ? results : nil

    # The text of a CSV result (nil for JSON).
    def csv = format == "csv" ? results : nil
  end

  # One column of a query table: +name+, +type+, +description+, +example+, +allowed_values+,
  # +core_column+.
  class QueryColumn < TriggerObject
    fields :name, :type, :description, :example, :allowed_values, :core_column
    raw "example", "allowedValues"
  end

  # One table queries can read: +name+, +description+, +time_column+, +columns+ (QueryColumns).
  class QueryTable < TriggerObject
    fields :name, :description, :time_column, :columns
    nested "columns" => QueryColumn
  end

  # The tables queries can read (+query.schema+): +tables+ (QueryTables).
  class QuerySchema < TriggerObject
    fields :tables
    nested "tables" => QueryTable
  end

  # A dashboard as listed: +key+ (what +retrieve+ takes), +title+, +type+ ("builtIn" or
  # "custom"), +description+, +widgets+ (Hashes: id, title, query, type).
  class DashboardSummary < TriggerObject
    fields :key, :title, :type, :description, :widgets
    raw "widgets"
  end

  # A dashboard: +id+, +title+, +description+, +revision+ (what a change must name),
  # +created_at+, +updated_at+ (Times), +widgets+ (Hashes: id, title, query, display, position).
  class Dashboard < TriggerObject
    fields :id, :title, :description, :revision, :created_at, :updated_at, :widgets
    raw "widgets", "revision"
  end

  # client.query.dashboards: query dashboards, built in and custom (list, retrieve; create,
  # update with the optimistic +revision:+, delete for custom ones).
  class Dashboards < Resource
    CREATE = { title: :string, description: :string, widgets: :objects }.freeze
    UPDATE = { title: :string, description: :string, revision: :string }.freeze

    # Every dashboard, an Array of DashboardSummaries.
    def list
      JSON.parse(call(:trigger_query_dashboards_list))["dashboards"].map { |d| DashboardSummary.new(d) }
    end

    # The Dashboard +id+.
    def retrieve(id)
      object(Dashboard, call(:trigger_query_dashboards_retrieve, id!(id)))
    end

    # Makes a custom dashboard titled +title+ (+description:+, +widgets:+ an Array of Hashes,
    # sent as given); returns the Dashboard.
    def create(title, **options)
      body = body_json(CREATE, options.merge(title: title), "query.dashboards.create")
      object(Dashboard, call(:trigger_query_dashboards_create, body))
    end

    # Changes a dashboard's +title:+ or +description:+; +revision:+ is the one the change was
    # made against (a stale one raises ConflictError). Returns the Dashboard.
    def update(id, **changes)
      i = id!(id)
      object(Dashboard, call(:trigger_query_dashboards_update, i, body_json(UPDATE, changes, "query.dashboards.update")))
    end

    # Deletes a custom dashboard; returns { "id" => ... }.
    def delete(id)
      JSON.parse(call(:trigger_query_dashboards_del, id!(id)))
    end
    alias del delete
  end

  # client.query: queries over the runs data (the official +query+).
  #
  #   client.query.execute("SELECT count() FROM runs", scope: "project", period: "7d").rows
  #   client.query.execute("SELECT * FROM runs LIMIT 10", format: "csv").csv
  class Query < Resource
    # The values of +scope:+ and +format:+ (the library refuses others, naming the keyword).
    SCOPES = %w[environment project organization].freeze
    FORMATS = %w[json csv].freeze
    EXECUTE = { scope: :string, period: :string, from: :iso_time, to: :iso_time, format: :string }.freeze

    # Runs +query+. +scope:+ "environment" (the default), "project" or "organization";
    # +period:+ (such as "7d") or +from:+/+to:+ (Times or ISO-8601 text) bound the time;
    # +format:+ "json" (rows, the default) or "csv" (text). Returns a QueryResult.
    def execute(query, **options)
      q = Util.string!(query, "query")
      object(QueryResult, call(:trigger_query_execute, q, options_json(EXECUTE, options, "query.execute")))
    end

    # The tables and columns queries can read (a QuerySchema).
    def schema
      object(QuerySchema, call(:trigger_query_schema))
    end

    # Query dashboards.
    def dashboards = @dashboards ||= Dashboards.new(@client)
  end
end
