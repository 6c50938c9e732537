# frozen_string_literal: true

require "open3"
require "rbconfig"
require_relative "test_helper"

# examples/ruby/quickstart.rb (at the repository root) runs to the end against its own emulator.
class ExampleTest < Minitest::Test
  def test_the_quickstart_runs
    example = File.expand_path("../../../examples/ruby/quickstart.rb", __dir__)
    env = { "TRIGGERDEV_LIB" => Triggerdev.library_path, "TRIGGER_SECRET_KEY" => nil }
    out, err, status = Open3.capture3(env, RbConfig.ruby, "-I", File.expand_path("../lib", __dir__), example)
    assert status.success?, "#{out}\n#{err}"
    assert_match(/== Session scopes: a session-scoped public token/, out)
    assert_match(/the token retrieves it by id and by external id: true/, out)
    assert_match(/read:sessions subscribes to \.out: \{"text"=>"hi Ada"\}/, out)
    assert_match(/\.out append: .*public access token/, out)
    assert_match(/run_\w+: QUEUED +\r  run_\w+: EXECUTING +\r  run_\w+: COMPLETED +\n/, out)
    assert_match(/runs\.wait: COMPLETED, output \{"sent"=>true\}/, out)
    assert_match(/Done: \d+ runs exist in the emulator/, out)
  end

  # README.md's "Using triggerdev from Ruby" example runs as written.
  def test_the_readme_ruby_example_runs
    readme = File.read(File.expand_path("../../../README.md", __dir__))
    section = readme.split("\n## Using triggerdev from Ruby\n", 2).fetch(1).split("\n## ", 2).first
    code = section.split("```ruby\n", 2).fetch(1).split("```", 2).first
    env = { "TRIGGERDEV_LIB" => Triggerdev.library_path, "TRIGGER_SECRET_KEY" => nil }
    out, err, status = Open3.capture3(env, RbConfig.ruby, "-I", File.expand_path("../lib", __dir__),
                                      "-e", code)
    assert status.success?, "#{out}\n#{err}"
    lines = out.lines.map(&:chomp)
    id = lines[0].split.first
    assert_match(/\Arun_\S+ DELAYED \d{4}-/, lines[0])
    assert_includes lines, id
    assert_equal "404 404 Not found", lines.last
  end
end
