# frozen_string_literal: true

require_relative "resource"

module Triggerdev
  # client.envvars: the environment variables of a project's environment ("dev", "staging",
  # "prod", "preview"). Works with a secret key (its own environment) and with a personal
  # access token.
  class EnvVars < Resource
    # Parses the text of a .env file (KEY=value lines, # comments, +export+ prefixes, quoted and
    # multi-line values) into a Hash of the variables in file order. No request is made.
    def self.parse_dotenv(text)
      JSON.parse(Native.call_json(:trigger_envvars_parse_dotenv, Util.string!(text, "text")))
    end

    # The variables (EnvVars) of +env+; secret values come back redacted.
    def list(project_ref, env)
      objects(EnvVar, call(:trigger_envvars_list, *where(project_ref, env)))
    end

    # The EnvVar +name+.
    def retrieve(project_ref, env, name)
      object(EnvVar, call(:trigger_envvars_retrieve, *where(project_ref, env), Util.string!(name, "name")))
    end

    # Creates a variable, or overwrites the one with the same name.
    def create(project_ref, env, name:, value:, is_secret: nil)
      body = { "name" => Util.string!(name, "name:"), "value" => Util.string!(value, "value:") }
      body["isSecret"] = Util.bool!(is_secret, "is_secret:") unless is_secret.nil?
      object(TriggerObject, call(:trigger_envvars_create, *where(project_ref, env), JSON.generate(body)))
    end

    # Changes the value of an existing variable.
    def update(project_ref, env, name, value:)
      args = [*where(project_ref, env), Util.string!(name, "name"), Util.string!(value, "value:")]
      object(TriggerObject, call(:trigger_envvars_update, *args))
    end

    # Deletes a variable.
    def delete(project_ref, env, name)
      object(TriggerObject, call(:trigger_envvars_del, *where(project_ref, env), Util.string!(name, "name")))
    end
    alias del delete

    # Uploads many variables at once: +variables:+ ({"A" => "1"}), optional
    # +parent_variables:+ (for a preview branch's parent), +is_secret:+ and +override:+ (without
    # it, existing variables are kept).
    def upload(project_ref, env, variables:, parent_variables: nil, is_secret: nil, override: nil)
      body = { "variables" => string_map(variables, "variables:") }
      body["parentVariables"] = string_map(parent_variables, "parent_variables:") unless parent_variables.nil?
      body["isSecret"] = Util.bool!(is_secret, "is_secret:") unless is_secret.nil?
      body["override"] = Util.bool!(override, "override:") unless override.nil?
      object(TriggerObject, call(:trigger_envvars_upload, *where(project_ref, env), JSON.generate(body)))
    end

    # Uploads the variables of a .env file's +text+ (see .parse_dotenv) in one call; options as
    # #upload: +parent_variables:+, +is_secret:+, +override:+.
    def upload_dotenv(project_ref, env, text, parent_variables: nil, is_secret: nil, override: nil)
      options = {}
      options["parentVariables"] = string_map(parent_variables, "parent_variables:") unless parent_variables.nil?
      options["isSecret"] = Util.bool!(is_secret, "is_secret:") unless is_secret.nil?
      options["override"] = Util.bool!(override, "override:") unless override.nil?
      args = [*where(project_ref, env), Util.string!(text, "text"), options.empty? ? nil : JSON.generate(options)]
      object(TriggerObject, call(:trigger_envvars_upload_dotenv, *args))
    end

    # See EnvVars.parse_dotenv.
    def parse_dotenv(text)
      self.class.parse_dotenv(text)
    end

    private

    def where(project_ref, env)
      [Util.string!(project_ref, "project_ref"), Util.string!(env, "env")]
    end

    def string_map(value, name)
      raise TypeError, "#{name} must be a Hash of Strings, not #{Util.describe(value)}" unless value.is_a?(Hash)

      value.to_h { |k, v| [Util.string!(k, "#{name} key"), Util.string!(v, "#{name}[#{k.inspect}]")] }
    end
  end
end
