// @ts-nocheck
/* eslint-disable */
// Generated from schemas/mcp_config.schema.json by `npm run schema:validator`
// (scripts/generate-config-validator.mjs, Ajv standalone code): edit the schema, not this file.
import type { ValidateFunction } from 'ajv';

function ucs2length(str) {
  const len = str.length;
  let length = 0;
  let pos = 0;
  while (pos < len) {
    length++;
    const value = str.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len && (str.charCodeAt(pos) & 0xfc00) === 0xdc00) pos++;
  }
  return length;
}
export const validate: ValidateFunction = validate20;
const schema31 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://raw.githubusercontent.com/mcp-stdio-functions/mcp-stdio-functions/main/schemas/mcp_config.schema.json","title":"MCP STDIO adapter configuration","description":"The STDIO MCP servers the adapter serves as Streamable HTTP endpoints (/mcp/<name>), in the shape Claude Desktop and Cursor use (`mcpServers`) or VS Code uses (`servers` + `inputs`), plus adapter and deployment settings. One file drives the runtime, the CLI and the Azure deployment.","type":"object","properties":{"$schema":{"title":"Schema","description":"Path or URL of this schema, so editors offer completion and hover help.","type":"string","examples":["./schemas/mcp_config.schema.json"]},"mcpServers":{"title":"STDIO MCP servers (Claude Desktop / Cursor shape)","description":"One entry per server; the key is the server name and becomes the endpoint path /mcp/<name>. Use either `mcpServers` or `servers`, not both.","type":"object","propertyNames":{"$ref":"#/$defs/serverName"},"additionalProperties":{"$ref":"#/$defs/server"},"examples":[{"time":{"command":"uvx","args":["mcp-server-time"]}}]},"servers":{"title":"MCP servers (VS Code mcp.json shape)","description":"VS Code's `servers` map: entries with `\"type\": \"stdio\"` (or a `command`) are served; `http`/`sse` entries are reported and skipped, since they are already remote. Use either `servers` or `mcpServers`, not both.","type":"object","propertyNames":{"$ref":"#/$defs/serverName"},"additionalProperties":{"$ref":"#/$defs/server"},"examples":[{"time":{"type":"stdio","command":"uvx","args":["mcp-server-time"]}}]},"inputs":{"title":"Inputs (VS Code)","description":"Values referenced as `${input:ID}`. Locally they come from the environment variable MCP_INPUT_<ID> (upper case, non-alphanumerics as `_`) or the input's default; when deployed, from the azd environment (prompted at `azd up`). A `password: true` input is a secret (Key Vault).","type":"array","items":{"$ref":"#/$defs/input"},"default":[],"examples":[[{"id":"api-key","type":"promptString","description":"API key","password":true}]]},"adapter":{"$ref":"#/$defs/adapter"},"deployment":{"$ref":"#/$defs/deployment"}},"additionalProperties":false,"$defs":{"serverName":{"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$","description":"Server names appear in URLs: letters, digits, '_', '.', '-', at most 64 characters, starting with a letter or digit."},"server":{"title":"MCP server","description":"A STDIO server (has `command`), or a remote one (`type` http/sse or a `url`), which is reported and skipped.","type":"object","if":{"type":"object","anyOf":[{"type":"object","required":["url"]},{"type":"object","required":["type"],"properties":{"type":{"enum":["http","sse"]}}}]},"then":{"$ref":"#/$defs/remoteServer"},"else":{"$ref":"#/$defs/stdioServer"}},"remoteServer":{"title":"Remote MCP server (not served)","description":"A server that is already reachable over HTTP. The adapter has nothing to adapt: it is reported as skipped.","type":"object","properties":{"type":{"title":"Type","description":"Transport of a remote server. Default: `http` when only a `url` is given.","enum":["http","sse"],"examples":["http"]},"url":{"title":"URL","description":"Where the remote server listens.","type":"string","examples":["https://example.com/mcp"]},"headers":{"title":"Headers","description":"HTTP headers a client sends to it.","type":"object","additionalProperties":{"type":"string"},"default":{},"examples":[{"X-Tenant":"contoso"}]}}},"stdioServer":{"title":"STDIO MCP server","description":"How to start one STDIO MCP server. A child process is started per MCP session, without a shell.","type":"object","properties":{"type":{"title":"Type","description":"Transport of the server. Only STDIO servers are served by this adapter.","const":"stdio","default":"stdio","examples":["stdio"]},"command":{"title":"Command","description":"Executable to run, resolved through PATH as a shell would (on Windows also `.cmd`/`.exe` shims), but started without a shell. May use variables.","type":"string","minLength":1,"examples":["uvx","npx","node","python3"]},"args":{"title":"Arguments","description":"Arguments passed to the command, each as one argument (no shell splitting or expansion). May use variables.","type":"array","items":{"type":"string"},"default":[],"examples":[["mcp-server-time","--local-timezone","UTC"]]},"env":{"title":"Environment","description":"Environment variables for the child, on top of a safe baseline (PATH, locale, a private HOME and TMPDIR); the adapter's own environment never leaks in. Values may use variables: `${secret:NAME}` for secrets. `MAX_CONCURRENT_SESSIONS` and `SESSION_TIMEOUT_SECONDS` here also set this server's session limits (the predecessor's convention).","type":"object","additionalProperties":{"type":"string"},"default":{},"examples":[{"API_URL":"${env:API_URL}","API_KEY":"${secret:API_KEY}"}]},"envFile":{"title":"Environment file","description":"A dotenv file (relative to the config file) whose variables are added to `env` (VS Code's field). `env` wins on conflicts.","type":"string","examples":[".env.server"]},"cwd":{"title":"Working directory","description":"Working directory of the child, relative to the config file's folder. Default: the config file's folder.","type":"string","examples":["servers/my-server"]},"working_dir":{"title":"Working directory (predecessor name)","description":"Alias of `cwd`.","type":"string","examples":["servers/my-server"]},"framing":{"title":"STDIO framing","description":"`ndjson` is the MCP specification (one JSON message per line); `content-length` is LSP-style `Content-Length` headers; `auto` writes ndjson and switches to Content-Length when the child answers with it.","enum":["auto","ndjson","content-length"],"default":"auto","examples":["content-length"]},"startup_timeout_seconds":{"title":"Startup timeout (s)","description":"How long the child may take from spawn to answering `initialize`. Cold starts that download packages (`npx -y`, `uvx`) need more.","type":"number","exclusiveMinimum":0,"default":60,"examples":[120]},"request_timeout_seconds":{"title":"Request timeout (s)","description":"How long a request may wait for the child's answer; each progress notification restarts the clock. On expiry the client gets a JSON-RPC error and the child a `notifications/cancelled`.","type":"number","exclusiveMinimum":0,"default":300,"examples":[60]},"timeout_seconds":{"title":"Request timeout (predecessor name)","description":"Alias of `request_timeout_seconds`.","type":"number","exclusiveMinimum":0,"examples":[30]},"restart_on_failure":{"title":"Restart on failure","description":"Whether a crashed child is started again for its session (the session's `initialize` is replayed).","type":"boolean","default":true,"examples":[false]},"max_restarts":{"title":"Maximum restarts","description":"How many times one session's child may be restarted.","type":"integer","minimum":0,"default":3,"examples":[5]},"default":{"title":"Default server","description":"Also serve this server on `/mcp` when several servers are configured (with one server, it is always on `/mcp`).","type":"boolean","default":false,"examples":[true]},"auth_level":{"title":"Functions authorization level","description":"Who may call the endpoint as far as Azure Functions is concerned: `function` needs a function key (`x-functions-key` header or `code` query), `anonymous` leaves it to the adapter's own token checks, `admin` needs the master key. Default: `function` when callers are identified by function keys (methods `none` and `azure_default`), else `anonymous` (the adapter verifies tokens itself: `azure_obo`, `oauth2_bearer`, or an explicit `caller`). Not used by `npm start`.","enum":["anonymous","function","admin"],"examples":["anonymous"]},"allowed_origins":{"title":"Allowed origins","description":"Browser origins allowed to call this server, in addition to `adapter.allowed_origins`.","type":"array","items":{"type":"string"},"default":[],"examples":[["https://app.example.com"]]},"sessions":{"$ref":"#/$defs/sessionLimits"},"auth":{"$ref":"#/$defs/auth"},"state":{"title":"State","description":"Whether the server keeps state in its process between calls (a browser page, a working directory, a connection, a conversation): `stateful` (default) or `stateless`. Stateful servers are deployed to an app that never runs more than one instance (`deployment.stateful`), so every request of a session reaches the one child holding its state; that app's capacity is one instance's sessions (beyond it, 503 + Retry-After) and the state is still lost when the instance is replaced (deploy, platform update, crash, scale to zero after idleness). `stateless` servers go to an app that scales out (`deployment`), where a session's requests can reach a child on each instance and in-memory state is not shared: declare it only for servers that keep nothing between calls. A config with both kinds deploys two Function Apps, each on its own host name and billed on its own.","enum":["stateful","stateless"],"default":"stateful","examples":["stateless"]},"allowed_roles":{"title":"Allowed roles","description":"Only callers whose verified token holds one of these (an Entra app role in the `roles` claim, or a scope) may use this server at all; others get 403, logged and counted like a tool rule's refusal. Empty or absent: every authenticated caller. Needs a caller that presents tokens (`azure_obo`, `oauth2_bearer`, or an explicit `auth.caller`): function keys carry no roles. For Entra, the roles named here are declared on the app registration the deployment creates, so they can be assigned.","type":"array","items":{"type":"string","minLength":1},"default":[],"examples":[["MCP.Users","MCP.Admins"]]},"max_child_memory_mb":{"title":"Child memory limit (MB)","description":"A child whose resident memory grows past this is stopped; its in-flight requests get an error naming the limit, and the session continues with a new child (as after a crash). Checked every few seconds on Linux (Azure Functions). Default: no limit.","type":"integer","minimum":16,"examples":[512]},"tools":{"$ref":"#/$defs/toolRules"},"prompts":{"$ref":"#/$defs/nameRules"},"resources":{"$ref":"#/$defs/nameRules"}},"required":["command"],"additionalProperties":false},"sessionLimits":{"title":"Session limits","description":"Limits of the MCP sessions of one server.","examples":[{"max_concurrent":10,"idle_timeout_seconds":600}],"type":"object","properties":{"max_concurrent":{"title":"Maximum concurrent sessions","description":"Most sessions (child processes) of this server at once on one instance; more are answered 503 with Retry-After. Default: no limit of its own (the instance's `adapter.max_sessions` applies). The predecessor's MAX_CONCURRENT_SESSIONS in the server's `env` also sets it.","type":"integer","minimum":1,"examples":[10]},"idle_timeout_seconds":{"title":"Idle timeout (s)","description":"A session with no request for this long is ended, even while a GET stream is open. The predecessor's SESSION_TIMEOUT_SECONDS (app setting, or in the server's `env`) also sets it.","type":"number","exclusiveMinimum":0,"default":1800,"examples":[600]},"max_lifetime_seconds":{"title":"Maximum lifetime (s)","description":"A session is ended this long after it started, whatever its activity.","type":"number","exclusiveMinimum":0,"default":86400,"examples":[28800]},"max_per_principal":{"title":"Maximum sessions per user","description":"Most sessions one authenticated user (issuer + subject) may hold at once with this server on one instance. Endpoints protected by function keys cannot tell callers apart; `max_concurrent` limits them.","type":"integer","minimum":1,"default":10,"examples":[3]},"input_wait_seconds":{"title":"Wait for a client's input (s)","description":"How long a request of a 2026-07-28 client that the MCP server asked for input (sampling, elicitation, roots) stays open, waiting for the client to retry with the answers. After this the server's request is cancelled and its child freed; a later retry is refused.","type":"number","exclusiveMinimum":0,"default":300,"examples":[60]},"reclaim_after_seconds":{"title":"Reclaim idle children after (s)","description":"A session with no request for this long has its child stopped to free memory; the session lives on, and its next request starts a new child and replays `initialize` (server-side state of the old child is lost). Reclaiming never happens later than `idle_timeout_seconds`.","type":"number","exclusiveMinimum":0,"default":600,"examples":[120]},"warm_pool":{"title":"Warm pool (pre-spawned children)","description":"How many children of this server to keep spawned and waiting on each instance, so that a new session skips the process start (the child's `initialize` is still the client's: a waiting child is spawned, never initialized). A session takes a waiting child, and another is spawned in the background. Waiting children only fill session slots no session uses (`max_concurrent`, `adapter.max_sessions`), one waiting longer than `idle_timeout_seconds` is replaced, and all are stopped at shutdown. Only for servers whose child environment does not depend on the caller: refused with child credentials (`auth.child`, `azure_default`, `azure_obo`) or `forward_user_token`. 0 turns it off.","type":"integer","minimum":0,"maximum":64,"default":0,"examples":[2]}},"additionalProperties":false},"auth":{"title":"Authentication","description":"Two separate questions: who may call the endpoint (`caller`) and what the child receives (`child`). `method` is the predecessor's shorthand for both: `none` (function key, nothing for the child), `azure_default` (function key; the child uses the app's managed identity), `azure_obo` (Entra token verified; the child gets On-Behalf-Of tokens for the caller), `oauth2_bearer` (any OIDC/OAuth2 issuer's token verified).","examples":[{"method":"azure_obo","azure_scopes":["https://management.azure.com/.default"]}],"type":"object","properties":{"method":{"title":"Method","description":"The predecessor's auth method; sets `caller` and `child` unless they are given.","enum":["none","azure_default","azure_obo","oauth2_bearer"],"default":"none","examples":["azure_obo"]},"azure_scopes":{"title":"Azure scopes","description":"Scopes the child's Azure tokens are for (managed identity or On-Behalf-Of).","type":"array","items":{"type":"string"},"default":[],"examples":[["https://management.azure.com/.default"]]},"forward_user_token":{"title":"Forward the user's token","description":"Put the caller's own token into the child's environment (`AZURE_USER_ASSERTION` / `OAUTH_ACCESS_TOKEN`). This is token passthrough, which the MCP spec forbids; kept as an explicit opt-in for the predecessor's servers, with a warning.","type":"boolean","default":false,"examples":[true]},"azure_client_id":{"title":"Entra app (client) id","description":"The app registration used for On-Behalf-Of; given to the child as AZURE_CLIENT_ID. Default when deployed: the app registration the deployment creates.","type":"string","examples":["${env:OBO_CLIENT_ID}"]},"azure_client_secret":{"title":"Entra client secret","description":"Client secret for On-Behalf-Of, only where a federated credential cannot be used. A secret: use `${secret:NAME}`.","type":"string","examples":["${secret:OBO_CLIENT_SECRET}"],"x-secret":true},"azure_tenant_id":{"title":"Entra tenant id","description":"Tenant whose tokens are accepted. Default when deployed: the deployment's tenant.","type":"string","examples":["${env:AZURE_TENANT_ID}"]},"allowed_tenants":{"title":"Allowed tenants","description":"Entra tenant ids whose users may call (multi-tenant apps). Default: `azure_tenant_id`, else the deployment's tenant.","type":"array","items":{"type":"string"},"default":[],"examples":[["72f988bf-86f1-41af-91ab-2d7cd011db47"]]},"oauth2_issuer":{"title":"OAuth2 issuer","description":"Issuer (`iss`) of accepted tokens; its OpenID/OAuth metadata gives the JWKS.","type":"string","examples":["https://accounts.example.com"]},"oauth2_audience":{"title":"OAuth2 audience","description":"Audience (`aud`) accepted tokens must carry. Default: the endpoint's resource URL.","type":"string","examples":["api://my-mcp"]},"oauth2_jwks_uri":{"title":"OAuth2 JWKS URI","description":"Where the issuer's signing keys are, when discovery is not available.","type":"string","examples":["https://accounts.example.com/.well-known/jwks.json"]},"oauth2_introspection_endpoint":{"title":"Introspection endpoint","description":"RFC 7662 token introspection, for issuers whose tokens are opaque (not JWTs). Needs `oauth2_client_id` and `oauth2_client_secret`.","type":"string","examples":["https://accounts.example.com/oauth2/introspect"]},"oauth2_userinfo_endpoint":{"title":"Userinfo endpoint","description":"An endpoint that answers 200 with the user for a valid opaque token (GitHub: https://api.github.com/user).","type":"string","examples":["https://api.github.com/user"]},"oauth2_client_id":{"title":"Introspection client id","description":"Client id the adapter authenticates to the introspection endpoint with.","type":"string","examples":["${env:INTROSPECTION_CLIENT_ID}"]},"oauth2_client_secret":{"title":"Introspection client secret","description":"Client secret for the introspection endpoint. A secret: use `${secret:NAME}`.","type":"string","examples":["${secret:INTROSPECTION_CLIENT_SECRET}"],"x-secret":true},"oauth2_user_claim":{"title":"User claim","description":"Claim (or userinfo field) that identifies the user: the session's principal and OAUTH_USER_ID. GitHub's userinfo: `id`.","type":"string","default":"sub","examples":["id"]},"oauth2_required_scopes":{"title":"Required scopes","description":"Scopes a caller's token must hold (403 `insufficient_scope` otherwise).","type":"array","items":{"type":"string"},"default":[],"examples":[["repo:read"]]},"caller":{"$ref":"#/$defs/callerAuth"},"child":{"$ref":"#/$defs/childCredentials"}},"additionalProperties":false},"callerAuth":{"title":"Caller authentication","description":"Who may call the endpoint. Overrides what `method` implies.","examples":[{"type":"entra","required_scopes":["user_impersonation"]}],"type":"object","properties":{"type":{"title":"Type","description":"`function_key`: Azure Functions keys (no token check by the adapter); `entra`: Entra ID tokens; `oauth2`: tokens of any OIDC/OAuth2 issuer; `none`: anyone (refused when the child holds a credential).","enum":["function_key","entra","oauth2","none"],"examples":["entra"]},"required_scopes":{"title":"Required scopes","description":"Scopes a token must hold.","type":"array","items":{"type":"string"},"default":[],"examples":[["user_impersonation"]]}},"required":["type"],"additionalProperties":false},"childCredentials":{"title":"Child credentials","description":"What the child receives. Overrides what `method` implies.","examples":[{"type":"on_behalf_of","scopes":["https://graph.microsoft.com/.default"]}],"type":"object","properties":{"type":{"title":"Type","description":"`none`; `managed_identity`: the app's identity (DefaultAzureCredential locally); `on_behalf_of`: tokens for the caller, exchanged by the adapter; `user_token`: the caller's own token (token passthrough, discouraged).","enum":["none","managed_identity","on_behalf_of","user_token"],"examples":["on_behalf_of"]},"scopes":{"title":"Scopes","description":"Scopes of the tokens the child may obtain.","type":"array","items":{"type":"string"},"default":[],"examples":[["https://graph.microsoft.com/.default"]]}},"required":["type"],"additionalProperties":false},"input":{"title":"Input","description":"A value asked of the user (VS Code `inputs`).","type":"object","properties":{"id":{"title":"Id","description":"Referenced as `${input:<id>}`.","type":"string","pattern":"^[A-Za-z0-9_.-]+$","examples":["api-key"]},"type":{"title":"Type","description":"How VS Code asks for it.","enum":["promptString","pickString"],"default":"promptString","examples":["promptString"]},"description":{"title":"Description","description":"Shown when the value is asked for.","type":"string","examples":["Your API key"]},"password":{"title":"Password","description":"The value is a secret: hidden when typed, Key Vault when deployed.","type":"boolean","default":false,"examples":[true]},"default":{"title":"Default","description":"Used when no value is given.","type":"string","examples":["https://api.example.com"]},"options":{"title":"Options","description":"Choices of a `pickString` input.","type":"array","items":{"type":"string"},"examples":[["dev","prod"]]}},"required":["id"],"additionalProperties":false},"adapter":{"title":"Adapter settings","description":"Settings of the adapter itself, shared by all servers.","examples":[{"max_sessions":40,"allowed_origins":["https://app.example.com"],"log_level":"debug"}],"type":"object","properties":{"max_sessions":{"title":"Maximum sessions per instance","description":"Most sessions at once on one instance, across all servers. Default when deployed: derived from each app's instance memory and `deployment.child_memory_mb` (the deployment sets MCP_ADAPTER_MAX_SESSIONS per app from the plan); locally, as many as half the machine's memory holds (10 to 200). When set, it applies to both apps. The predecessor's MAX_CONCURRENT_SESSIONS app setting also sets it.","type":"integer","minimum":1,"examples":[40]},"max_body_bytes":{"title":"Maximum POST body (bytes)","description":"Larger bodies get 413.","type":"integer","minimum":1024,"default":4194304,"examples":[1048576]},"allowed_origins":{"title":"Allowed origins","description":"Browser origins (scheme://host[:port]) allowed to call every endpoint, besides loopback origins when bound to loopback; `*` allows any.","type":"array","items":{"type":"string"},"default":[],"examples":[["https://app.example.com"]]},"allowed_hosts":{"title":"Allowed hosts","description":"Host header values (host or host:port) accepted, besides loopback names when bound to loopback and the site's own names on Azure; protects against DNS rebinding. `*` allows any.","type":"array","items":{"type":"string"},"default":[],"examples":[["mcp.example.com"]]},"public_base_url":{"title":"Public base URL","description":"The URL clients use when the app sits behind API Management or Front Door; allowed as Host/Origin and used as the resource in protected-resource metadata. One URL fronts one app: `plan` refuses it when the servers need two (stateful and stateless servers together).","type":"string","pattern":"^https?://","examples":["https://api.example.com/mcp-tools"]},"shutdown_grace_seconds":{"title":"Shutdown grace (s)","description":"How long a child gets to exit after its stdin closes, and again after SIGTERM, before it is killed.","type":"number","minimum":0,"default":2,"examples":[5]},"log_level":{"title":"Log level","description":"One level for everything, or a level per component (`default`, `config`, `process`, `session`, `http`, `auth`), e.g. to turn on auth debugging alone. The LOG_LEVEL environment variable overrides `default`.","anyOf":[{"enum":["debug","info","warn","error","silent"]},{"type":"object","properties":{"default":{"title":"Log level: default","description":"Level of every component not listed here. Default: `info`; the LOG_LEVEL environment variable overrides it.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"config":{"title":"Log level: config","description":"Level of config loading and validation. Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"process":{"title":"Log level: process","description":"Level of child processes (spawn, stderr, exit). Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"session":{"title":"Log level: session","description":"Level of MCP sessions (start, limits, end). Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"http":{"title":"Log level: http","description":"Level of HTTP requests and responses. Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"auth":{"title":"Log level: auth","description":"Level of token checks and child credentials. Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]}},"additionalProperties":false}],"default":"info","examples":["debug",{"default":"info","auth":"debug"}]},"stream_limit_seconds":{"title":"SSE stream limit (s)","description":"An SSE response (a POST's or the GET stream) is ended after this long, before a proxy or Azure's 230-second front end cuts it; 2025-11-25 clients resume with Last-Event-ID and miss nothing. Default: 180 on Azure Functions, none with `npm start`; 0 turns it off.","type":"number","minimum":0,"examples":[120]},"isolation":{"title":"Child isolation","description":"How children are kept apart from the adapter and from each other. `user_per_child`: each child runs as a user of its own (from `child_uids`), so it cannot read the adapter's environment (app settings, secrets, the host's identity header), other children's environments or folders, and every process it starts ends with its session; needs CAP_SETUID/CAP_SETGID (root in a container, Linux Dedicated plans). `shared_user`: children run as the adapter's user and can read its environment and each other's: the Function App is the trust boundary. `auto` (default): `user_per_child` when the adapter may change user, else `shared_user` with a warning at start-up. `/status` reports which is in force and why.","enum":["auto","user_per_child","shared_user"],"default":"auto","examples":["user_per_child"]},"install_npx_servers":{"title":"Install npx servers once","description":"With `npm start`: a server run with `npx <package>` is installed once into `.mcp-packages/` beside the config (pinned, as the deployment packages it) and from then on started with `node` and the installed script: every session after the first connects without npx, the network or a download into its private cache, and later starts work offline. A changed command line installs again. `false` runs npx for every session. The deployment always packages npx servers.","type":"boolean","default":true,"examples":[false]},"list_servers_publicly":{"title":"List servers publicly","description":"Whether the page at `/`, a mistyped `/mcp/<name>` and a default-less `/mcp` name this deployment's servers to anyone. A browser sends no token, so by default they do only where the adapter listens on loopback (`npm start` on your machine); deployed, the page says how to connect without naming servers, and callers get the server name from the operator. `true` lists them (names, URLs and how callers authenticate; never settings or sessions' owners).","type":"boolean","default":false,"examples":[true]},"allow_shared_user_credentials":{"title":"Allow caller credentials beside other users' children","description":"Servers that give each caller's child that caller's credentials (`azure_obo`, `child.type` `on_behalf_of` or `user_token`, `forward_user_token`) are refused when children share the adapter's user (`shared_user`, as on Flex Consumption): any child of the app could then read another user's tokens. `true` accepts that, for apps whose callers all trust each other and every server; the start-up warning and `/status` still say so. A user per child (`isolation: user_per_child`) needs no such consent.","type":"boolean","default":false,"examples":[true]},"child_uids":{"title":"Child users","description":"The range of uids (and gids, the same numbers) children run as with `user_per_child`: one per live child, claimed per adapter process. Pick numbers no account on the machine uses.","type":"object","properties":{"first":{"title":"First uid","description":"First uid of the range.","type":"integer","minimum":1000,"maximum":4294967294,"default":61000,"examples":[61000]},"count":{"title":"Number of uids","description":"How many uids the range holds: the most children with users of their own at once on one machine.","type":"integer","minimum":1,"maximum":65536,"default":2000,"examples":[500]}},"additionalProperties":false,"default":{},"examples":[{"first":61000,"count":2000}]}},"additionalProperties":false},"deployment":{"title":"Deployment (Azure Functions Flex Consumption)","description":"Where the servers run on Azure Functions Flex Consumption. Servers are placed by their `state`: stateful ones (the default) in an app that never runs more than one instance (`stateful` below), stateless ones in an app that scales out (the other fields here). With only one kind there is one app. Each app is billed on its own: instance memory (GB) × seconds an instance executes anything (an open stream counts) × your region's on-demand GB-s rate, plus executions; each always-ready instance adds a baseline for every second, busy or not (docs/scale-out-decision.md).","examples":[{"instance_memory_mb":4096,"maximum_instance_count":10,"stateful":{"instance_memory_mb":2048,"always_ready_instances":1}}],"type":"object","properties":{"instance_memory_mb":{"title":"Instance memory (MB)","description":"Memory of each instance of the app that scales out (stateless servers), and the default of `stateful.instance_memory_mb`. With `child_memory_mb` it sets how many sessions an instance takes. Cost: billed per GB-s, so an active 4,096 MB instance costs twice a 2,048 MB one per second.","enum":[512,2048,4096],"default":2048,"examples":[4096]},"maximum_instance_count":{"title":"Maximum instances","description":"Most on-demand instances the app of stateless servers scales out to. Not used when every server is stateful (that app never runs more than one). Cost: under load up to this many instances are billed at once, and a session whose requests reach n instances keeps each of them active.","type":"integer","minimum":1,"maximum":1000,"default":40,"examples":[10]},"always_ready_instances":{"title":"Always-ready instances","description":"Instances of the app of stateless servers kept warm, so the first request does not wait for a cold start. Cost: each is billed a baseline (memory × every second × the always-ready baseline rate) while idle, plus its executions. Not used when every server is stateful (see `stateful.always_ready_instances`).","type":"integer","minimum":0,"default":0,"examples":[1]},"child_memory_mb":{"title":"Memory per child (MB)","description":"Expected memory of one child process; with an app's instance memory it sets how many sessions an instance takes, and the HTTP concurrency at which the app of stateless servers scales out (the stateful app takes 4 × its sessions, so a session's GET stream and POSTs do not look like load).","type":"integer","minimum":16,"default":80,"examples":[150]},"single_instance":{"title":"Single instance","description":"Kept for configs written before `state`: one app, every server placed in it as stateful (servers declared `stateless` included), so nothing scales out; `plan` warns that it is in force. That app never runs more than one instance, takes its settings from `stateful`, and uses the shared store for its serving lease. Costs all scale-out: capacity is one instance's sessions. Refused with `always_ready_instances` above 0 (use `stateful.always_ready_instances`).","type":"boolean","default":false,"examples":[true]},"stateful":{"title":"Stateful app","description":"The app of the stateful servers (`state`: `stateful`, the default): maximum instance count 1, so every request of a session reaches the one child holding its state. A serving lease in the deployment's storage answers any second instance the platform starts (a deploy's overlap, an always-ready instance) with 503 + Retry-After instead of a second child. Capacity: one instance's sessions; beyond, 503 + Retry-After. Not used when every server is stateless.","type":"object","properties":{"instance_memory_mb":{"title":"Instance memory (MB)","description":"Memory of the stateful app's one instance; with `child_memory_mb` it sets how many sessions that app takes (`adapter.max_sessions` overrides). Default: `deployment.instance_memory_mb`. Cost: memory (GB) × seconds the instance executes anything (an open stream keeps it active) × your region's on-demand GB-s rate.","enum":[512,2048,4096],"examples":[4096]},"always_ready_instances":{"title":"Always-ready instances","description":"0 or 1. With 1 the stateful app's instance is kept warm: the first request after idleness does not wait for a cold start, and the instance is not scaled to zero. Cost: a baseline for every second, busy or not (memory × seconds × the always-ready baseline rate), plus its executions. Flex Consumption runs always-ready instances outside the maximum instance count, so a second instance can appear; the serving lease answers requests reaching it with 503 + Retry-After, and `plan` warns.","enum":[0,1],"default":0,"examples":[1]}},"additionalProperties":false,"default":{},"examples":[{"instance_memory_mb":4096,"always_ready_instances":1}]}},"additionalProperties":false},"nameRules":{"title":"Name rules","description":"Which names (for resources: URIs and URI templates) are exposed. Refused requests never reach the child.","type":"object","properties":{"allow":{"title":"Allow","description":"Only names matching one of these pass (exact names or globs: `*` any run of characters, `?` one character). Absent: everything; `[]`: nothing.","type":"array","items":{"type":"string","minLength":1},"examples":[["read_*","search"]]},"deny":{"title":"Deny","description":"Names matching one of these never pass, even when `allow` names them (deny wins).","type":"array","items":{"type":"string","minLength":1},"examples":[["*delete*","printEnv"]]}},"additionalProperties":false,"examples":[{"deny":["file:///etc/*"]}]},"roleToolRules":{"title":"Tool rules of a role","description":"The rules a caller holding this role (a token `roles` entry or scope) gets instead of the server's; several roles: the union of what each exposes.","type":"object","properties":{"allow":{"title":"Allow","description":"Only names matching one of these pass (exact names or globs: `*` any run of characters, `?` one character). Absent: everything; `[]`: nothing.","type":"array","items":{"type":"string","minLength":1},"examples":[["read_*","search"]]},"deny":{"title":"Deny","description":"Names matching one of these never pass, even when `allow` names them (deny wins).","type":"array","items":{"type":"string","minLength":1},"examples":[["*delete*","printEnv"]]},"read_only":{"title":"Read-only","description":"Only tools the server annotates `readOnlyHint: true` (a hint from the server: it relies on the server's honesty).","type":"boolean","default":false,"examples":[true]}},"additionalProperties":false,"examples":[{"allow":["*"]}]},"toolRules":{"title":"Tool rules","description":"Which of the child's tools clients see and may call, under which names: `tools/list` shows only what is exposed, and a `tools/call` for anything else is refused before it reaches the child (logged and counted). Both protocol eras.","type":"object","properties":{"allow":{"title":"Allow","description":"Only names matching one of these pass (exact names or globs: `*` any run of characters, `?` one character). Absent: everything; `[]`: nothing.","type":"array","items":{"type":"string","minLength":1},"examples":[["read_*","search"]]},"deny":{"title":"Deny","description":"Names matching one of these never pass, even when `allow` names them (deny wins).","type":"array","items":{"type":"string","minLength":1},"examples":[["*delete*","printEnv"]]},"read_only":{"title":"Read-only","description":"Only tools the server annotates `readOnlyHint: true` (a hint from the server: it relies on the server's honesty).","type":"boolean","default":false,"examples":[true]},"rename":{"title":"Rename","description":"The child's tool name → the name clients see and call (the old name is refused).","type":"object","additionalProperties":{"type":"string"},"examples":[{"get_env":"environment"}]},"describe":{"title":"Descriptions","description":"The child's tool name → the description clients see.","type":"object","additionalProperties":{"type":"string"},"examples":[{"search":"Search the docs index"}]},"allow_empty":{"title":"Allow no tools","description":"Accept rules that hide every tool the child lists; otherwise the server is refused (fail closed).","type":"boolean","default":false,"examples":[true]},"roles":{"title":"Per-role rules","description":"Role (token `roles` claim, or a scope) → its tool rules. Callers without a configured role, and function-key callers, get the server's rules.","type":"object","additionalProperties":{"$ref":"#/$defs/roleToolRules"},"examples":[{"admin":{"allow":["*"]}}]}},"additionalProperties":false,"examples":[{"deny":["printEnv"],"read_only":true}]}}};
const schema32 = {"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$","description":"Server names appear in URLs: letters, digits, '_', '.', '-', at most 64 characters, starting with a letter or digit."};
const schema45 = {"title":"Input","description":"A value asked of the user (VS Code `inputs`).","type":"object","properties":{"id":{"title":"Id","description":"Referenced as `${input:<id>}`.","type":"string","pattern":"^[A-Za-z0-9_.-]+$","examples":["api-key"]},"type":{"title":"Type","description":"How VS Code asks for it.","enum":["promptString","pickString"],"default":"promptString","examples":["promptString"]},"description":{"title":"Description","description":"Shown when the value is asked for.","type":"string","examples":["Your API key"]},"password":{"title":"Password","description":"The value is a secret: hidden when typed, Key Vault when deployed.","type":"boolean","default":false,"examples":[true]},"default":{"title":"Default","description":"Used when no value is given.","type":"string","examples":["https://api.example.com"]},"options":{"title":"Options","description":"Choices of a `pickString` input.","type":"array","items":{"type":"string"},"examples":[["dev","prod"]]}},"required":["id"],"additionalProperties":false};
const schema46 = {"title":"Adapter settings","description":"Settings of the adapter itself, shared by all servers.","examples":[{"max_sessions":40,"allowed_origins":["https://app.example.com"],"log_level":"debug"}],"type":"object","properties":{"max_sessions":{"title":"Maximum sessions per instance","description":"Most sessions at once on one instance, across all servers. Default when deployed: derived from each app's instance memory and `deployment.child_memory_mb` (the deployment sets MCP_ADAPTER_MAX_SESSIONS per app from the plan); locally, as many as half the machine's memory holds (10 to 200). When set, it applies to both apps. The predecessor's MAX_CONCURRENT_SESSIONS app setting also sets it.","type":"integer","minimum":1,"examples":[40]},"max_body_bytes":{"title":"Maximum POST body (bytes)","description":"Larger bodies get 413.","type":"integer","minimum":1024,"default":4194304,"examples":[1048576]},"allowed_origins":{"title":"Allowed origins","description":"Browser origins (scheme://host[:port]) allowed to call every endpoint, besides loopback origins when bound to loopback; `*` allows any.","type":"array","items":{"type":"string"},"default":[],"examples":[["https://app.example.com"]]},"allowed_hosts":{"title":"Allowed hosts","description":"Host header values (host or host:port) accepted, besides loopback names when bound to loopback and the site's own names on Azure; protects against DNS rebinding. `*` allows any.","type":"array","items":{"type":"string"},"default":[],"examples":[["mcp.example.com"]]},"public_base_url":{"title":"Public base URL","description":"The URL clients use when the app sits behind API Management or Front Door; allowed as Host/Origin and used as the resource in protected-resource metadata. One URL fronts one app: `plan` refuses it when the servers need two (stateful and stateless servers together).","type":"string","pattern":"^https?://","examples":["https://api.example.com/mcp-tools"]},"shutdown_grace_seconds":{"title":"Shutdown grace (s)","description":"How long a child gets to exit after its stdin closes, and again after SIGTERM, before it is killed.","type":"number","minimum":0,"default":2,"examples":[5]},"log_level":{"title":"Log level","description":"One level for everything, or a level per component (`default`, `config`, `process`, `session`, `http`, `auth`), e.g. to turn on auth debugging alone. The LOG_LEVEL environment variable overrides `default`.","anyOf":[{"enum":["debug","info","warn","error","silent"]},{"type":"object","properties":{"default":{"title":"Log level: default","description":"Level of every component not listed here. Default: `info`; the LOG_LEVEL environment variable overrides it.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"config":{"title":"Log level: config","description":"Level of config loading and validation. Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"process":{"title":"Log level: process","description":"Level of child processes (spawn, stderr, exit). Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"session":{"title":"Log level: session","description":"Level of MCP sessions (start, limits, end). Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"http":{"title":"Log level: http","description":"Level of HTTP requests and responses. Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]},"auth":{"title":"Log level: auth","description":"Level of token checks and child credentials. Default: the `default` level.","enum":["debug","info","warn","error","silent"],"examples":["debug"]}},"additionalProperties":false}],"default":"info","examples":["debug",{"default":"info","auth":"debug"}]},"stream_limit_seconds":{"title":"SSE stream limit (s)","description":"An SSE response (a POST's or the GET stream) is ended after this long, before a proxy or Azure's 230-second front end cuts it; 2025-11-25 clients resume with Last-Event-ID and miss nothing. Default: 180 on Azure Functions, none with `npm start`; 0 turns it off.","type":"number","minimum":0,"examples":[120]},"isolation":{"title":"Child isolation","description":"How children are kept apart from the adapter and from each other. `user_per_child`: each child runs as a user of its own (from `child_uids`), so it cannot read the adapter's environment (app settings, secrets, the host's identity header), other children's environments or folders, and every process it starts ends with its session; needs CAP_SETUID/CAP_SETGID (root in a container, Linux Dedicated plans). `shared_user`: children run as the adapter's user and can read its environment and each other's: the Function App is the trust boundary. `auto` (default): `user_per_child` when the adapter may change user, else `shared_user` with a warning at start-up. `/status` reports which is in force and why.","enum":["auto","user_per_child","shared_user"],"default":"auto","examples":["user_per_child"]},"install_npx_servers":{"title":"Install npx servers once","description":"With `npm start`: a server run with `npx <package>` is installed once into `.mcp-packages/` beside the config (pinned, as the deployment packages it) and from then on started with `node` and the installed script: every session after the first connects without npx, the network or a download into its private cache, and later starts work offline. A changed command line installs again. `false` runs npx for every session. The deployment always packages npx servers.","type":"boolean","default":true,"examples":[false]},"list_servers_publicly":{"title":"List servers publicly","description":"Whether the page at `/`, a mistyped `/mcp/<name>` and a default-less `/mcp` name this deployment's servers to anyone. A browser sends no token, so by default they do only where the adapter listens on loopback (`npm start` on your machine); deployed, the page says how to connect without naming servers, and callers get the server name from the operator. `true` lists them (names, URLs and how callers authenticate; never settings or sessions' owners).","type":"boolean","default":false,"examples":[true]},"allow_shared_user_credentials":{"title":"Allow caller credentials beside other users' children","description":"Servers that give each caller's child that caller's credentials (`azure_obo`, `child.type` `on_behalf_of` or `user_token`, `forward_user_token`) are refused when children share the adapter's user (`shared_user`, as on Flex Consumption): any child of the app could then read another user's tokens. `true` accepts that, for apps whose callers all trust each other and every server; the start-up warning and `/status` still say so. A user per child (`isolation: user_per_child`) needs no such consent.","type":"boolean","default":false,"examples":[true]},"child_uids":{"title":"Child users","description":"The range of uids (and gids, the same numbers) children run as with `user_per_child`: one per live child, claimed per adapter process. Pick numbers no account on the machine uses.","type":"object","properties":{"first":{"title":"First uid","description":"First uid of the range.","type":"integer","minimum":1000,"maximum":4294967294,"default":61000,"examples":[61000]},"count":{"title":"Number of uids","description":"How many uids the range holds: the most children with users of their own at once on one machine.","type":"integer","minimum":1,"maximum":65536,"default":2000,"examples":[500]}},"additionalProperties":false,"default":{},"examples":[{"first":61000,"count":2000}]}},"additionalProperties":false};
const schema47 = {"title":"Deployment (Azure Functions Flex Consumption)","description":"Where the servers run on Azure Functions Flex Consumption. Servers are placed by their `state`: stateful ones (the default) in an app that never runs more than one instance (`stateful` below), stateless ones in an app that scales out (the other fields here). With only one kind there is one app. Each app is billed on its own: instance memory (GB) × seconds an instance executes anything (an open stream counts) × your region's on-demand GB-s rate, plus executions; each always-ready instance adds a baseline for every second, busy or not (docs/scale-out-decision.md).","examples":[{"instance_memory_mb":4096,"maximum_instance_count":10,"stateful":{"instance_memory_mb":2048,"always_ready_instances":1}}],"type":"object","properties":{"instance_memory_mb":{"title":"Instance memory (MB)","description":"Memory of each instance of the app that scales out (stateless servers), and the default of `stateful.instance_memory_mb`. With `child_memory_mb` it sets how many sessions an instance takes. Cost: billed per GB-s, so an active 4,096 MB instance costs twice a 2,048 MB one per second.","enum":[512,2048,4096],"default":2048,"examples":[4096]},"maximum_instance_count":{"title":"Maximum instances","description":"Most on-demand instances the app of stateless servers scales out to. Not used when every server is stateful (that app never runs more than one). Cost: under load up to this many instances are billed at once, and a session whose requests reach n instances keeps each of them active.","type":"integer","minimum":1,"maximum":1000,"default":40,"examples":[10]},"always_ready_instances":{"title":"Always-ready instances","description":"Instances of the app of stateless servers kept warm, so the first request does not wait for a cold start. Cost: each is billed a baseline (memory × every second × the always-ready baseline rate) while idle, plus its executions. Not used when every server is stateful (see `stateful.always_ready_instances`).","type":"integer","minimum":0,"default":0,"examples":[1]},"child_memory_mb":{"title":"Memory per child (MB)","description":"Expected memory of one child process; with an app's instance memory it sets how many sessions an instance takes, and the HTTP concurrency at which the app of stateless servers scales out (the stateful app takes 4 × its sessions, so a session's GET stream and POSTs do not look like load).","type":"integer","minimum":16,"default":80,"examples":[150]},"single_instance":{"title":"Single instance","description":"Kept for configs written before `state`: one app, every server placed in it as stateful (servers declared `stateless` included), so nothing scales out; `plan` warns that it is in force. That app never runs more than one instance, takes its settings from `stateful`, and uses the shared store for its serving lease. Costs all scale-out: capacity is one instance's sessions. Refused with `always_ready_instances` above 0 (use `stateful.always_ready_instances`).","type":"boolean","default":false,"examples":[true]},"stateful":{"title":"Stateful app","description":"The app of the stateful servers (`state`: `stateful`, the default): maximum instance count 1, so every request of a session reaches the one child holding its state. A serving lease in the deployment's storage answers any second instance the platform starts (a deploy's overlap, an always-ready instance) with 503 + Retry-After instead of a second child. Capacity: one instance's sessions; beyond, 503 + Retry-After. Not used when every server is stateless.","type":"object","properties":{"instance_memory_mb":{"title":"Instance memory (MB)","description":"Memory of the stateful app's one instance; with `child_memory_mb` it sets how many sessions that app takes (`adapter.max_sessions` overrides). Default: `deployment.instance_memory_mb`. Cost: memory (GB) × seconds the instance executes anything (an open stream keeps it active) × your region's on-demand GB-s rate.","enum":[512,2048,4096],"examples":[4096]},"always_ready_instances":{"title":"Always-ready instances","description":"0 or 1. With 1 the stateful app's instance is kept warm: the first request after idleness does not wait for a cold start, and the instance is not scaled to zero. Cost: a baseline for every second, busy or not (memory × seconds × the always-ready baseline rate), plus its executions. Flex Consumption runs always-ready instances outside the maximum instance count, so a second instance can appear; the serving lease answers requests reaching it with 503 + Retry-After, and `plan` warns.","enum":[0,1],"default":0,"examples":[1]}},"additionalProperties":false,"default":{},"examples":[{"instance_memory_mb":4096,"always_ready_instances":1}]}},"additionalProperties":false};
const pattern4 = new RegExp("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", "u");
const pattern6 = new RegExp("^[A-Za-z0-9_.-]+$", "u");
const pattern7 = new RegExp("^https?://", "u");
const schema33 = {"title":"MCP server","description":"A STDIO server (has `command`), or a remote one (`type` http/sse or a `url`), which is reported and skipped.","type":"object","if":{"type":"object","anyOf":[{"type":"object","required":["url"]},{"type":"object","required":["type"],"properties":{"type":{"enum":["http","sse"]}}}]},"then":{"$ref":"#/$defs/remoteServer"},"else":{"$ref":"#/$defs/stdioServer"}};
const schema34 = {"title":"Remote MCP server (not served)","description":"A server that is already reachable over HTTP. The adapter has nothing to adapt: it is reported as skipped.","type":"object","properties":{"type":{"title":"Type","description":"Transport of a remote server. Default: `http` when only a `url` is given.","enum":["http","sse"],"examples":["http"]},"url":{"title":"URL","description":"Where the remote server listens.","type":"string","examples":["https://example.com/mcp"]},"headers":{"title":"Headers","description":"HTTP headers a client sends to it.","type":"object","additionalProperties":{"type":"string"},"default":{},"examples":[{"X-Tenant":"contoso"}]}}};
const schema35 = {"title":"STDIO MCP server","description":"How to start one STDIO MCP server. A child process is started per MCP session, without a shell.","type":"object","properties":{"type":{"title":"Type","description":"Transport of the server. Only STDIO servers are served by this adapter.","const":"stdio","default":"stdio","examples":["stdio"]},"command":{"title":"Command","description":"Executable to run, resolved through PATH as a shell would (on Windows also `.cmd`/`.exe` shims), but started without a shell. May use variables.","type":"string","minLength":1,"examples":["uvx","npx","node","python3"]},"args":{"title":"Arguments","description":"Arguments passed to the command, each as one argument (no shell splitting or expansion). May use variables.","type":"array","items":{"type":"string"},"default":[],"examples":[["mcp-server-time","--local-timezone","UTC"]]},"env":{"title":"Environment","description":"Environment variables for the child, on top of a safe baseline (PATH, locale, a private HOME and TMPDIR); the adapter's own environment never leaks in. Values may use variables: `${secret:NAME}` for secrets. `MAX_CONCURRENT_SESSIONS` and `SESSION_TIMEOUT_SECONDS` here also set this server's session limits (the predecessor's convention).","type":"object","additionalProperties":{"type":"string"},"default":{},"examples":[{"API_URL":"${env:API_URL}","API_KEY":"${secret:API_KEY}"}]},"envFile":{"title":"Environment file","description":"A dotenv file (relative to the config file) whose variables are added to `env` (VS Code's field). `env` wins on conflicts.","type":"string","examples":[".env.server"]},"cwd":{"title":"Working directory","description":"Working directory of the child, relative to the config file's folder. Default: the config file's folder.","type":"string","examples":["servers/my-server"]},"working_dir":{"title":"Working directory (predecessor name)","description":"Alias of `cwd`.","type":"string","examples":["servers/my-server"]},"framing":{"title":"STDIO framing","description":"`ndjson` is the MCP specification (one JSON message per line); `content-length` is LSP-style `Content-Length` headers; `auto` writes ndjson and switches to Content-Length when the child answers with it.","enum":["auto","ndjson","content-length"],"default":"auto","examples":["content-length"]},"startup_timeout_seconds":{"title":"Startup timeout (s)","description":"How long the child may take from spawn to answering `initialize`. Cold starts that download packages (`npx -y`, `uvx`) need more.","type":"number","exclusiveMinimum":0,"default":60,"examples":[120]},"request_timeout_seconds":{"title":"Request timeout (s)","description":"How long a request may wait for the child's answer; each progress notification restarts the clock. On expiry the client gets a JSON-RPC error and the child a `notifications/cancelled`.","type":"number","exclusiveMinimum":0,"default":300,"examples":[60]},"timeout_seconds":{"title":"Request timeout (predecessor name)","description":"Alias of `request_timeout_seconds`.","type":"number","exclusiveMinimum":0,"examples":[30]},"restart_on_failure":{"title":"Restart on failure","description":"Whether a crashed child is started again for its session (the session's `initialize` is replayed).","type":"boolean","default":true,"examples":[false]},"max_restarts":{"title":"Maximum restarts","description":"How many times one session's child may be restarted.","type":"integer","minimum":0,"default":3,"examples":[5]},"default":{"title":"Default server","description":"Also serve this server on `/mcp` when several servers are configured (with one server, it is always on `/mcp`).","type":"boolean","default":false,"examples":[true]},"auth_level":{"title":"Functions authorization level","description":"Who may call the endpoint as far as Azure Functions is concerned: `function` needs a function key (`x-functions-key` header or `code` query), `anonymous` leaves it to the adapter's own token checks, `admin` needs the master key. Default: `function` when callers are identified by function keys (methods `none` and `azure_default`), else `anonymous` (the adapter verifies tokens itself: `azure_obo`, `oauth2_bearer`, or an explicit `caller`). Not used by `npm start`.","enum":["anonymous","function","admin"],"examples":["anonymous"]},"allowed_origins":{"title":"Allowed origins","description":"Browser origins allowed to call this server, in addition to `adapter.allowed_origins`.","type":"array","items":{"type":"string"},"default":[],"examples":[["https://app.example.com"]]},"sessions":{"$ref":"#/$defs/sessionLimits"},"auth":{"$ref":"#/$defs/auth"},"state":{"title":"State","description":"Whether the server keeps state in its process between calls (a browser page, a working directory, a connection, a conversation): `stateful` (default) or `stateless`. Stateful servers are deployed to an app that never runs more than one instance (`deployment.stateful`), so every request of a session reaches the one child holding its state; that app's capacity is one instance's sessions (beyond it, 503 + Retry-After) and the state is still lost when the instance is replaced (deploy, platform update, crash, scale to zero after idleness). `stateless` servers go to an app that scales out (`deployment`), where a session's requests can reach a child on each instance and in-memory state is not shared: declare it only for servers that keep nothing between calls. A config with both kinds deploys two Function Apps, each on its own host name and billed on its own.","enum":["stateful","stateless"],"default":"stateful","examples":["stateless"]},"allowed_roles":{"title":"Allowed roles","description":"Only callers whose verified token holds one of these (an Entra app role in the `roles` claim, or a scope) may use this server at all; others get 403, logged and counted like a tool rule's refusal. Empty or absent: every authenticated caller. Needs a caller that presents tokens (`azure_obo`, `oauth2_bearer`, or an explicit `auth.caller`): function keys carry no roles. For Entra, the roles named here are declared on the app registration the deployment creates, so they can be assigned.","type":"array","items":{"type":"string","minLength":1},"default":[],"examples":[["MCP.Users","MCP.Admins"]]},"max_child_memory_mb":{"title":"Child memory limit (MB)","description":"A child whose resident memory grows past this is stopped; its in-flight requests get an error naming the limit, and the session continues with a new child (as after a crash). Checked every few seconds on Linux (Azure Functions). Default: no limit.","type":"integer","minimum":16,"examples":[512]},"tools":{"$ref":"#/$defs/toolRules"},"prompts":{"$ref":"#/$defs/nameRules"},"resources":{"$ref":"#/$defs/nameRules"}},"required":["command"],"additionalProperties":false};
const schema36 = {"title":"Session limits","description":"Limits of the MCP sessions of one server.","examples":[{"max_concurrent":10,"idle_timeout_seconds":600}],"type":"object","properties":{"max_concurrent":{"title":"Maximum concurrent sessions","description":"Most sessions (child processes) of this server at once on one instance; more are answered 503 with Retry-After. Default: no limit of its own (the instance's `adapter.max_sessions` applies). The predecessor's MAX_CONCURRENT_SESSIONS in the server's `env` also sets it.","type":"integer","minimum":1,"examples":[10]},"idle_timeout_seconds":{"title":"Idle timeout (s)","description":"A session with no request for this long is ended, even while a GET stream is open. The predecessor's SESSION_TIMEOUT_SECONDS (app setting, or in the server's `env`) also sets it.","type":"number","exclusiveMinimum":0,"default":1800,"examples":[600]},"max_lifetime_seconds":{"title":"Maximum lifetime (s)","description":"A session is ended this long after it started, whatever its activity.","type":"number","exclusiveMinimum":0,"default":86400,"examples":[28800]},"max_per_principal":{"title":"Maximum sessions per user","description":"Most sessions one authenticated user (issuer + subject) may hold at once with this server on one instance. Endpoints protected by function keys cannot tell callers apart; `max_concurrent` limits them.","type":"integer","minimum":1,"default":10,"examples":[3]},"input_wait_seconds":{"title":"Wait for a client's input (s)","description":"How long a request of a 2026-07-28 client that the MCP server asked for input (sampling, elicitation, roots) stays open, waiting for the client to retry with the answers. After this the server's request is cancelled and its child freed; a later retry is refused.","type":"number","exclusiveMinimum":0,"default":300,"examples":[60]},"reclaim_after_seconds":{"title":"Reclaim idle children after (s)","description":"A session with no request for this long has its child stopped to free memory; the session lives on, and its next request starts a new child and replays `initialize` (server-side state of the old child is lost). Reclaiming never happens later than `idle_timeout_seconds`.","type":"number","exclusiveMinimum":0,"default":600,"examples":[120]},"warm_pool":{"title":"Warm pool (pre-spawned children)","description":"How many children of this server to keep spawned and waiting on each instance, so that a new session skips the process start (the child's `initialize` is still the client's: a waiting child is spawned, never initialized). A session takes a waiting child, and another is spawned in the background. Waiting children only fill session slots no session uses (`max_concurrent`, `adapter.max_sessions`), one waiting longer than `idle_timeout_seconds` is replaced, and all are stopped at shutdown. Only for servers whose child environment does not depend on the caller: refused with child credentials (`auth.child`, `azure_default`, `azure_obo`) or `forward_user_token`. 0 turns it off.","type":"integer","minimum":0,"maximum":64,"default":0,"examples":[2]}},"additionalProperties":false};
const schema42 = {"title":"Name rules","description":"Which names (for resources: URIs and URI templates) are exposed. Refused requests never reach the child.","type":"object","properties":{"allow":{"title":"Allow","description":"Only names matching one of these pass (exact names or globs: `*` any run of characters, `?` one character). Absent: everything; `[]`: nothing.","type":"array","items":{"type":"string","minLength":1},"examples":[["read_*","search"]]},"deny":{"title":"Deny","description":"Names matching one of these never pass, even when `allow` names them (deny wins).","type":"array","items":{"type":"string","minLength":1},"examples":[["*delete*","printEnv"]]}},"additionalProperties":false,"examples":[{"deny":["file:///etc/*"]}]};
const func1 = Object.prototype.hasOwnProperty;
const func2 = ucs2length;
const schema37 = {"title":"Authentication","description":"Two separate questions: who may call the endpoint (`caller`) and what the child receives (`child`). `method` is the predecessor's shorthand for both: `none` (function key, nothing for the child), `azure_default` (function key; the child uses the app's managed identity), `azure_obo` (Entra token verified; the child gets On-Behalf-Of tokens for the caller), `oauth2_bearer` (any OIDC/OAuth2 issuer's token verified).","examples":[{"method":"azure_obo","azure_scopes":["https://management.azure.com/.default"]}],"type":"object","properties":{"method":{"title":"Method","description":"The predecessor's auth method; sets `caller` and `child` unless they are given.","enum":["none","azure_default","azure_obo","oauth2_bearer"],"default":"none","examples":["azure_obo"]},"azure_scopes":{"title":"Azure scopes","description":"Scopes the child's Azure tokens are for (managed identity or On-Behalf-Of).","type":"array","items":{"type":"string"},"default":[],"examples":[["https://management.azure.com/.default"]]},"forward_user_token":{"title":"Forward the user's token","description":"Put the caller's own token into the child's environment (`AZURE_USER_ASSERTION` / `OAUTH_ACCESS_TOKEN`). This is token passthrough, which the MCP spec forbids; kept as an explicit opt-in for the predecessor's servers, with a warning.","type":"boolean","default":false,"examples":[true]},"azure_client_id":{"title":"Entra app (client) id","description":"The app registration used for On-Behalf-Of; given to the child as AZURE_CLIENT_ID. Default when deployed: the app registration the deployment creates.","type":"string","examples":["${env:OBO_CLIENT_ID}"]},"azure_client_secret":{"title":"Entra client secret","description":"Client secret for On-Behalf-Of, only where a federated credential cannot be used. A secret: use `${secret:NAME}`.","type":"string","examples":["${secret:OBO_CLIENT_SECRET}"],"x-secret":true},"azure_tenant_id":{"title":"Entra tenant id","description":"Tenant whose tokens are accepted. Default when deployed: the deployment's tenant.","type":"string","examples":["${env:AZURE_TENANT_ID}"]},"allowed_tenants":{"title":"Allowed tenants","description":"Entra tenant ids whose users may call (multi-tenant apps). Default: `azure_tenant_id`, else the deployment's tenant.","type":"array","items":{"type":"string"},"default":[],"examples":[["72f988bf-86f1-41af-91ab-2d7cd011db47"]]},"oauth2_issuer":{"title":"OAuth2 issuer","description":"Issuer (`iss`) of accepted tokens; its OpenID/OAuth metadata gives the JWKS.","type":"string","examples":["https://accounts.example.com"]},"oauth2_audience":{"title":"OAuth2 audience","description":"Audience (`aud`) accepted tokens must carry. Default: the endpoint's resource URL.","type":"string","examples":["api://my-mcp"]},"oauth2_jwks_uri":{"title":"OAuth2 JWKS URI","description":"Where the issuer's signing keys are, when discovery is not available.","type":"string","examples":["https://accounts.example.com/.well-known/jwks.json"]},"oauth2_introspection_endpoint":{"title":"Introspection endpoint","description":"RFC 7662 token introspection, for issuers whose tokens are opaque (not JWTs). Needs `oauth2_client_id` and `oauth2_client_secret`.","type":"string","examples":["https://accounts.example.com/oauth2/introspect"]},"oauth2_userinfo_endpoint":{"title":"Userinfo endpoint","description":"An endpoint that answers 200 with the user for a valid opaque token (GitHub: https://api.github.com/user).","type":"string","examples":["https://api.github.com/user"]},"oauth2_client_id":{"title":"Introspection client id","description":"Client id the adapter authenticates to the introspection endpoint with.","type":"string","examples":["${env:INTROSPECTION_CLIENT_ID}"]},"oauth2_client_secret":{"title":"Introspection client secret","description":"Client secret for the introspection endpoint. A secret: use `${secret:NAME}`.","type":"string","examples":["${secret:INTROSPECTION_CLIENT_SECRET}"],"x-secret":true},"oauth2_user_claim":{"title":"User claim","description":"Claim (or userinfo field) that identifies the user: the session's principal and OAUTH_USER_ID. GitHub's userinfo: `id`.","type":"string","default":"sub","examples":["id"]},"oauth2_required_scopes":{"title":"Required scopes","description":"Scopes a caller's token must hold (403 `insufficient_scope` otherwise).","type":"array","items":{"type":"string"},"default":[],"examples":[["repo:read"]]},"caller":{"$ref":"#/$defs/callerAuth"},"child":{"$ref":"#/$defs/childCredentials"}},"additionalProperties":false};
const schema38 = {"title":"Caller authentication","description":"Who may call the endpoint. Overrides what `method` implies.","examples":[{"type":"entra","required_scopes":["user_impersonation"]}],"type":"object","properties":{"type":{"title":"Type","description":"`function_key`: Azure Functions keys (no token check by the adapter); `entra`: Entra ID tokens; `oauth2`: tokens of any OIDC/OAuth2 issuer; `none`: anyone (refused when the child holds a credential).","enum":["function_key","entra","oauth2","none"],"examples":["entra"]},"required_scopes":{"title":"Required scopes","description":"Scopes a token must hold.","type":"array","items":{"type":"string"},"default":[],"examples":[["user_impersonation"]]}},"required":["type"],"additionalProperties":false};
const schema39 = {"title":"Child credentials","description":"What the child receives. Overrides what `method` implies.","examples":[{"type":"on_behalf_of","scopes":["https://graph.microsoft.com/.default"]}],"type":"object","properties":{"type":{"title":"Type","description":"`none`; `managed_identity`: the app's identity (DefaultAzureCredential locally); `on_behalf_of`: tokens for the caller, exchanged by the adapter; `user_token`: the caller's own token (token passthrough, discouraged).","enum":["none","managed_identity","on_behalf_of","user_token"],"examples":["on_behalf_of"]},"scopes":{"title":"Scopes","description":"Scopes of the tokens the child may obtain.","type":"array","items":{"type":"string"},"default":[],"examples":[["https://graph.microsoft.com/.default"]]}},"required":["type"],"additionalProperties":false};

function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate23.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema37.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema37,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.method !== undefined){
let data0 = data.method;
if(!((((data0 === "none") || (data0 === "azure_default")) || (data0 === "azure_obo")) || (data0 === "oauth2_bearer"))){
const err1 = {instancePath:instancePath+"/method",schemaPath:"#/properties/method/enum",keyword:"enum",params:{allowedValues: schema37.properties.method.enum},message:"must be equal to one of the allowed values",schema:schema37.properties.method.enum,parentSchema:schema37.properties.method,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.azure_scopes !== undefined){
let data1 = data.azure_scopes;
if(Array.isArray(data1)){
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(typeof data2 !== "string"){
const err2 = {instancePath:instancePath+"/azure_scopes/" + i0,schemaPath:"#/properties/azure_scopes/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.azure_scopes.items.type,parentSchema:schema37.properties.azure_scopes.items,data:data2};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath:instancePath+"/azure_scopes",schemaPath:"#/properties/azure_scopes/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema37.properties.azure_scopes.type,parentSchema:schema37.properties.azure_scopes,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.forward_user_token !== undefined){
let data3 = data.forward_user_token;
if(typeof data3 !== "boolean"){
const err4 = {instancePath:instancePath+"/forward_user_token",schemaPath:"#/properties/forward_user_token/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema37.properties.forward_user_token.type,parentSchema:schema37.properties.forward_user_token,data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.azure_client_id !== undefined){
let data4 = data.azure_client_id;
if(typeof data4 !== "string"){
const err5 = {instancePath:instancePath+"/azure_client_id",schemaPath:"#/properties/azure_client_id/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.azure_client_id.type,parentSchema:schema37.properties.azure_client_id,data:data4};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.azure_client_secret !== undefined){
let data5 = data.azure_client_secret;
if(typeof data5 !== "string"){
const err6 = {instancePath:instancePath+"/azure_client_secret",schemaPath:"#/properties/azure_client_secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.azure_client_secret.type,parentSchema:schema37.properties.azure_client_secret,data:data5};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.azure_tenant_id !== undefined){
let data6 = data.azure_tenant_id;
if(typeof data6 !== "string"){
const err7 = {instancePath:instancePath+"/azure_tenant_id",schemaPath:"#/properties/azure_tenant_id/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.azure_tenant_id.type,parentSchema:schema37.properties.azure_tenant_id,data:data6};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.allowed_tenants !== undefined){
let data7 = data.allowed_tenants;
if(Array.isArray(data7)){
const len1 = data7.length;
for(let i1=0; i1<len1; i1++){
let data8 = data7[i1];
if(typeof data8 !== "string"){
const err8 = {instancePath:instancePath+"/allowed_tenants/" + i1,schemaPath:"#/properties/allowed_tenants/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.allowed_tenants.items.type,parentSchema:schema37.properties.allowed_tenants.items,data:data8};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/allowed_tenants",schemaPath:"#/properties/allowed_tenants/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema37.properties.allowed_tenants.type,parentSchema:schema37.properties.allowed_tenants,data:data7};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.oauth2_issuer !== undefined){
let data9 = data.oauth2_issuer;
if(typeof data9 !== "string"){
const err10 = {instancePath:instancePath+"/oauth2_issuer",schemaPath:"#/properties/oauth2_issuer/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_issuer.type,parentSchema:schema37.properties.oauth2_issuer,data:data9};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.oauth2_audience !== undefined){
let data10 = data.oauth2_audience;
if(typeof data10 !== "string"){
const err11 = {instancePath:instancePath+"/oauth2_audience",schemaPath:"#/properties/oauth2_audience/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_audience.type,parentSchema:schema37.properties.oauth2_audience,data:data10};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.oauth2_jwks_uri !== undefined){
let data11 = data.oauth2_jwks_uri;
if(typeof data11 !== "string"){
const err12 = {instancePath:instancePath+"/oauth2_jwks_uri",schemaPath:"#/properties/oauth2_jwks_uri/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_jwks_uri.type,parentSchema:schema37.properties.oauth2_jwks_uri,data:data11};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.oauth2_introspection_endpoint !== undefined){
let data12 = data.oauth2_introspection_endpoint;
if(typeof data12 !== "string"){
const err13 = {instancePath:instancePath+"/oauth2_introspection_endpoint",schemaPath:"#/properties/oauth2_introspection_endpoint/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_introspection_endpoint.type,parentSchema:schema37.properties.oauth2_introspection_endpoint,data:data12};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.oauth2_userinfo_endpoint !== undefined){
let data13 = data.oauth2_userinfo_endpoint;
if(typeof data13 !== "string"){
const err14 = {instancePath:instancePath+"/oauth2_userinfo_endpoint",schemaPath:"#/properties/oauth2_userinfo_endpoint/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_userinfo_endpoint.type,parentSchema:schema37.properties.oauth2_userinfo_endpoint,data:data13};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.oauth2_client_id !== undefined){
let data14 = data.oauth2_client_id;
if(typeof data14 !== "string"){
const err15 = {instancePath:instancePath+"/oauth2_client_id",schemaPath:"#/properties/oauth2_client_id/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_client_id.type,parentSchema:schema37.properties.oauth2_client_id,data:data14};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.oauth2_client_secret !== undefined){
let data15 = data.oauth2_client_secret;
if(typeof data15 !== "string"){
const err16 = {instancePath:instancePath+"/oauth2_client_secret",schemaPath:"#/properties/oauth2_client_secret/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_client_secret.type,parentSchema:schema37.properties.oauth2_client_secret,data:data15};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.oauth2_user_claim !== undefined){
let data16 = data.oauth2_user_claim;
if(typeof data16 !== "string"){
const err17 = {instancePath:instancePath+"/oauth2_user_claim",schemaPath:"#/properties/oauth2_user_claim/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_user_claim.type,parentSchema:schema37.properties.oauth2_user_claim,data:data16};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.oauth2_required_scopes !== undefined){
let data17 = data.oauth2_required_scopes;
if(Array.isArray(data17)){
const len2 = data17.length;
for(let i2=0; i2<len2; i2++){
let data18 = data17[i2];
if(typeof data18 !== "string"){
const err18 = {instancePath:instancePath+"/oauth2_required_scopes/" + i2,schemaPath:"#/properties/oauth2_required_scopes/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.properties.oauth2_required_scopes.items.type,parentSchema:schema37.properties.oauth2_required_scopes.items,data:data18};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/oauth2_required_scopes",schemaPath:"#/properties/oauth2_required_scopes/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema37.properties.oauth2_required_scopes.type,parentSchema:schema37.properties.oauth2_required_scopes,data:data17};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.caller !== undefined){
let data19 = data.caller;
if(data19 && typeof data19 == "object" && !Array.isArray(data19)){
if(data19.type === undefined){
const err20 = {instancePath:instancePath+"/caller",schemaPath:"#/$defs/callerAuth/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema38.required,parentSchema:schema38,data:data19};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
for(const key1 in data19){
if(!((key1 === "type") || (key1 === "required_scopes"))){
const err21 = {instancePath:instancePath+"/caller",schemaPath:"#/$defs/callerAuth/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data:data19};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data19.type !== undefined){
let data20 = data19.type;
if(!((((data20 === "function_key") || (data20 === "entra")) || (data20 === "oauth2")) || (data20 === "none"))){
const err22 = {instancePath:instancePath+"/caller/type",schemaPath:"#/$defs/callerAuth/properties/type/enum",keyword:"enum",params:{allowedValues: schema38.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema38.properties.type.enum,parentSchema:schema38.properties.type,data:data20};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data19.required_scopes !== undefined){
let data21 = data19.required_scopes;
if(Array.isArray(data21)){
const len3 = data21.length;
for(let i3=0; i3<len3; i3++){
let data22 = data21[i3];
if(typeof data22 !== "string"){
const err23 = {instancePath:instancePath+"/caller/required_scopes/" + i3,schemaPath:"#/$defs/callerAuth/properties/required_scopes/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.required_scopes.items.type,parentSchema:schema38.properties.required_scopes.items,data:data22};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
else {
const err24 = {instancePath:instancePath+"/caller/required_scopes",schemaPath:"#/$defs/callerAuth/properties/required_scopes/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema38.properties.required_scopes.type,parentSchema:schema38.properties.required_scopes,data:data21};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath:instancePath+"/caller",schemaPath:"#/$defs/callerAuth/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data:data19};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data.child !== undefined){
let data23 = data.child;
if(data23 && typeof data23 == "object" && !Array.isArray(data23)){
if(data23.type === undefined){
const err26 = {instancePath:instancePath+"/child",schemaPath:"#/$defs/childCredentials/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema39.required,parentSchema:schema39,data:data23};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
for(const key2 in data23){
if(!((key2 === "type") || (key2 === "scopes"))){
const err27 = {instancePath:instancePath+"/child",schemaPath:"#/$defs/childCredentials/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema39,data:data23};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data23.type !== undefined){
let data24 = data23.type;
if(!((((data24 === "none") || (data24 === "managed_identity")) || (data24 === "on_behalf_of")) || (data24 === "user_token"))){
const err28 = {instancePath:instancePath+"/child/type",schemaPath:"#/$defs/childCredentials/properties/type/enum",keyword:"enum",params:{allowedValues: schema39.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema39.properties.type.enum,parentSchema:schema39.properties.type,data:data24};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data23.scopes !== undefined){
let data25 = data23.scopes;
if(Array.isArray(data25)){
const len4 = data25.length;
for(let i4=0; i4<len4; i4++){
let data26 = data25[i4];
if(typeof data26 !== "string"){
const err29 = {instancePath:instancePath+"/child/scopes/" + i4,schemaPath:"#/$defs/childCredentials/properties/scopes/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.properties.scopes.items.type,parentSchema:schema39.properties.scopes.items,data:data26};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
}
else {
const err30 = {instancePath:instancePath+"/child/scopes",schemaPath:"#/$defs/childCredentials/properties/scopes/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema39.properties.scopes.type,parentSchema:schema39.properties.scopes,data:data25};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
}
else {
const err31 = {instancePath:instancePath+"/child",schemaPath:"#/$defs/childCredentials/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data:data23};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
}
else {
const err32 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema37.type,parentSchema:schema37,data};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
validate23.errors = vErrors;
return errors === 0;
}
validate23.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema40 = {"title":"Tool rules","description":"Which of the child's tools clients see and may call, under which names: `tools/list` shows only what is exposed, and a `tools/call` for anything else is refused before it reaches the child (logged and counted). Both protocol eras.","type":"object","properties":{"allow":{"title":"Allow","description":"Only names matching one of these pass (exact names or globs: `*` any run of characters, `?` one character). Absent: everything; `[]`: nothing.","type":"array","items":{"type":"string","minLength":1},"examples":[["read_*","search"]]},"deny":{"title":"Deny","description":"Names matching one of these never pass, even when `allow` names them (deny wins).","type":"array","items":{"type":"string","minLength":1},"examples":[["*delete*","printEnv"]]},"read_only":{"title":"Read-only","description":"Only tools the server annotates `readOnlyHint: true` (a hint from the server: it relies on the server's honesty).","type":"boolean","default":false,"examples":[true]},"rename":{"title":"Rename","description":"The child's tool name → the name clients see and call (the old name is refused).","type":"object","additionalProperties":{"type":"string"},"examples":[{"get_env":"environment"}]},"describe":{"title":"Descriptions","description":"The child's tool name → the description clients see.","type":"object","additionalProperties":{"type":"string"},"examples":[{"search":"Search the docs index"}]},"allow_empty":{"title":"Allow no tools","description":"Accept rules that hide every tool the child lists; otherwise the server is refused (fail closed).","type":"boolean","default":false,"examples":[true]},"roles":{"title":"Per-role rules","description":"Role (token `roles` claim, or a scope) → its tool rules. Callers without a configured role, and function-key callers, get the server's rules.","type":"object","additionalProperties":{"$ref":"#/$defs/roleToolRules"},"examples":[{"admin":{"allow":["*"]}}]}},"additionalProperties":false,"examples":[{"deny":["printEnv"],"read_only":true}]};
const schema41 = {"title":"Tool rules of a role","description":"The rules a caller holding this role (a token `roles` entry or scope) gets instead of the server's; several roles: the union of what each exposes.","type":"object","properties":{"allow":{"title":"Allow","description":"Only names matching one of these pass (exact names or globs: `*` any run of characters, `?` one character). Absent: everything; `[]`: nothing.","type":"array","items":{"type":"string","minLength":1},"examples":[["read_*","search"]]},"deny":{"title":"Deny","description":"Names matching one of these never pass, even when `allow` names them (deny wins).","type":"array","items":{"type":"string","minLength":1},"examples":[["*delete*","printEnv"]]},"read_only":{"title":"Read-only","description":"Only tools the server annotates `readOnlyHint: true` (a hint from the server: it relies on the server's honesty).","type":"boolean","default":false,"examples":[true]}},"additionalProperties":false,"examples":[{"allow":["*"]}]};

function validate25(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate25.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((((key0 === "allow") || (key0 === "deny")) || (key0 === "read_only")) || (key0 === "rename")) || (key0 === "describe")) || (key0 === "allow_empty")) || (key0 === "roles"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.allow !== undefined){
let data0 = data.allow;
if(Array.isArray(data0)){
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
if(typeof data1 === "string"){
if(func2(data1) < 1){
const err1 = {instancePath:instancePath+"/allow/" + i0,schemaPath:"#/properties/allow/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema40.properties.allow.items,data:data1};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/allow/" + i0,schemaPath:"#/properties/allow/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.properties.allow.items.type,parentSchema:schema40.properties.allow.items,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath:instancePath+"/allow",schemaPath:"#/properties/allow/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema40.properties.allow.type,parentSchema:schema40.properties.allow,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.deny !== undefined){
let data2 = data.deny;
if(Array.isArray(data2)){
const len1 = data2.length;
for(let i1=0; i1<len1; i1++){
let data3 = data2[i1];
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err4 = {instancePath:instancePath+"/deny/" + i1,schemaPath:"#/properties/deny/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema40.properties.deny.items,data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/deny/" + i1,schemaPath:"#/properties/deny/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.properties.deny.items.type,parentSchema:schema40.properties.deny.items,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/deny",schemaPath:"#/properties/deny/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema40.properties.deny.type,parentSchema:schema40.properties.deny,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.read_only !== undefined){
let data4 = data.read_only;
if(typeof data4 !== "boolean"){
const err7 = {instancePath:instancePath+"/read_only",schemaPath:"#/properties/read_only/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema40.properties.read_only.type,parentSchema:schema40.properties.read_only,data:data4};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.rename !== undefined){
let data5 = data.rename;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
for(const key1 in data5){
let data6 = data5[key1];
if(typeof data6 !== "string"){
const err8 = {instancePath:instancePath+"/rename/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rename/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.properties.rename.additionalProperties.type,parentSchema:schema40.properties.rename.additionalProperties,data:data6};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/rename",schemaPath:"#/properties/rename/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema40.properties.rename.type,parentSchema:schema40.properties.rename,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.describe !== undefined){
let data7 = data.describe;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key2 in data7){
let data8 = data7[key2];
if(typeof data8 !== "string"){
const err10 = {instancePath:instancePath+"/describe/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/describe/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.properties.describe.additionalProperties.type,parentSchema:schema40.properties.describe.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/describe",schemaPath:"#/properties/describe/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema40.properties.describe.type,parentSchema:schema40.properties.describe,data:data7};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.allow_empty !== undefined){
let data9 = data.allow_empty;
if(typeof data9 !== "boolean"){
const err12 = {instancePath:instancePath+"/allow_empty",schemaPath:"#/properties/allow_empty/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema40.properties.allow_empty.type,parentSchema:schema40.properties.allow_empty,data:data9};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.roles !== undefined){
let data10 = data.roles;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
for(const key3 in data10){
let data11 = data10[key3];
if(data11 && typeof data11 == "object" && !Array.isArray(data11)){
for(const key4 in data11){
if(!(((key4 === "allow") || (key4 === "deny")) || (key4 === "read_only"))){
const err13 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/roleToolRules/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema41,data:data11};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data11.allow !== undefined){
let data12 = data11.allow;
if(Array.isArray(data12)){
const len2 = data12.length;
for(let i2=0; i2<len2; i2++){
let data13 = data12[i2];
if(typeof data13 === "string"){
if(func2(data13) < 1){
const err14 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/allow/" + i2,schemaPath:"#/$defs/roleToolRules/properties/allow/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema41.properties.allow.items,data:data13};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/allow/" + i2,schemaPath:"#/$defs/roleToolRules/properties/allow/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.allow.items.type,parentSchema:schema41.properties.allow.items,data:data13};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/allow",schemaPath:"#/$defs/roleToolRules/properties/allow/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.allow.type,parentSchema:schema41.properties.allow,data:data12};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data11.deny !== undefined){
let data14 = data11.deny;
if(Array.isArray(data14)){
const len3 = data14.length;
for(let i3=0; i3<len3; i3++){
let data15 = data14[i3];
if(typeof data15 === "string"){
if(func2(data15) < 1){
const err17 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/deny/" + i3,schemaPath:"#/$defs/roleToolRules/properties/deny/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema41.properties.deny.items,data:data15};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/deny/" + i3,schemaPath:"#/$defs/roleToolRules/properties/deny/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.deny.items.type,parentSchema:schema41.properties.deny.items,data:data15};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/deny",schemaPath:"#/$defs/roleToolRules/properties/deny/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.deny.type,parentSchema:schema41.properties.deny,data:data14};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data11.read_only !== undefined){
let data16 = data11.read_only;
if(typeof data16 !== "boolean"){
const err20 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/read_only",schemaPath:"#/$defs/roleToolRules/properties/read_only/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema41.properties.read_only.type,parentSchema:schema41.properties.read_only,data:data16};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/roles/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/roleToolRules/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema41.type,parentSchema:schema41,data:data11};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
}
else {
const err22 = {instancePath:instancePath+"/roles",schemaPath:"#/properties/roles/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema40.properties.roles.type,parentSchema:schema40.properties.roles,data:data10};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
else {
const err23 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema40.type,parentSchema:schema40,data};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
validate25.errors = vErrors;
return errors === 0;
}
validate25.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate22.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.command === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "command"},message:"must have required property '"+"command"+"'",schema:schema35.required,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema35.properties, key0))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if("stdio" !== data0){
const err2 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/const",keyword:"const",params:{allowedValue: "stdio"},message:"must be equal to constant",schema:"stdio",parentSchema:schema35.properties.type,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.command !== undefined){
let data1 = data.command;
if(typeof data1 === "string"){
if(func2(data1) < 1){
const err3 = {instancePath:instancePath+"/command",schemaPath:"#/properties/command/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35.properties.command,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/command",schemaPath:"#/properties/command/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.command.type,parentSchema:schema35.properties.command,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.args !== undefined){
let data2 = data.args;
if(Array.isArray(data2)){
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
let data3 = data2[i0];
if(typeof data3 !== "string"){
const err5 = {instancePath:instancePath+"/args/" + i0,schemaPath:"#/properties/args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.args.items.type,parentSchema:schema35.properties.args.items,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/args",schemaPath:"#/properties/args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema35.properties.args.type,parentSchema:schema35.properties.args,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.env !== undefined){
let data4 = data.env;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
for(const key1 in data4){
let data5 = data4[key1];
if(typeof data5 !== "string"){
const err7 = {instancePath:instancePath+"/env/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/env/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.env.additionalProperties.type,parentSchema:schema35.properties.env.additionalProperties,data:data5};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/env",schemaPath:"#/properties/env/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.properties.env.type,parentSchema:schema35.properties.env,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.envFile !== undefined){
let data6 = data.envFile;
if(typeof data6 !== "string"){
const err9 = {instancePath:instancePath+"/envFile",schemaPath:"#/properties/envFile/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.envFile.type,parentSchema:schema35.properties.envFile,data:data6};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.cwd !== undefined){
let data7 = data.cwd;
if(typeof data7 !== "string"){
const err10 = {instancePath:instancePath+"/cwd",schemaPath:"#/properties/cwd/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.cwd.type,parentSchema:schema35.properties.cwd,data:data7};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.working_dir !== undefined){
let data8 = data.working_dir;
if(typeof data8 !== "string"){
const err11 = {instancePath:instancePath+"/working_dir",schemaPath:"#/properties/working_dir/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.working_dir.type,parentSchema:schema35.properties.working_dir,data:data8};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.framing !== undefined){
let data9 = data.framing;
if(!(((data9 === "auto") || (data9 === "ndjson")) || (data9 === "content-length"))){
const err12 = {instancePath:instancePath+"/framing",schemaPath:"#/properties/framing/enum",keyword:"enum",params:{allowedValues: schema35.properties.framing.enum},message:"must be equal to one of the allowed values",schema:schema35.properties.framing.enum,parentSchema:schema35.properties.framing,data:data9};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.startup_timeout_seconds !== undefined){
let data10 = data.startup_timeout_seconds;
if((typeof data10 == "number") && (isFinite(data10))){
if(data10 <= 0 || isNaN(data10)){
const err13 = {instancePath:instancePath+"/startup_timeout_seconds",schemaPath:"#/properties/startup_timeout_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema35.properties.startup_timeout_seconds,data:data10};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/startup_timeout_seconds",schemaPath:"#/properties/startup_timeout_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema35.properties.startup_timeout_seconds.type,parentSchema:schema35.properties.startup_timeout_seconds,data:data10};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.request_timeout_seconds !== undefined){
let data11 = data.request_timeout_seconds;
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 <= 0 || isNaN(data11)){
const err15 = {instancePath:instancePath+"/request_timeout_seconds",schemaPath:"#/properties/request_timeout_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema35.properties.request_timeout_seconds,data:data11};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/request_timeout_seconds",schemaPath:"#/properties/request_timeout_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema35.properties.request_timeout_seconds.type,parentSchema:schema35.properties.request_timeout_seconds,data:data11};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.timeout_seconds !== undefined){
let data12 = data.timeout_seconds;
if((typeof data12 == "number") && (isFinite(data12))){
if(data12 <= 0 || isNaN(data12)){
const err17 = {instancePath:instancePath+"/timeout_seconds",schemaPath:"#/properties/timeout_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema35.properties.timeout_seconds,data:data12};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/timeout_seconds",schemaPath:"#/properties/timeout_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema35.properties.timeout_seconds.type,parentSchema:schema35.properties.timeout_seconds,data:data12};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data.restart_on_failure !== undefined){
let data13 = data.restart_on_failure;
if(typeof data13 !== "boolean"){
const err19 = {instancePath:instancePath+"/restart_on_failure",schemaPath:"#/properties/restart_on_failure/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema35.properties.restart_on_failure.type,parentSchema:schema35.properties.restart_on_failure,data:data13};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.max_restarts !== undefined){
let data14 = data.max_restarts;
if(!(((typeof data14 == "number") && (!(data14 % 1) && !isNaN(data14))) && (isFinite(data14)))){
const err20 = {instancePath:instancePath+"/max_restarts",schemaPath:"#/properties/max_restarts/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema35.properties.max_restarts.type,parentSchema:schema35.properties.max_restarts,data:data14};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
if((typeof data14 == "number") && (isFinite(data14))){
if(data14 < 0 || isNaN(data14)){
const err21 = {instancePath:instancePath+"/max_restarts",schemaPath:"#/properties/max_restarts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema35.properties.max_restarts,data:data14};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
}
if(data.default !== undefined){
let data15 = data.default;
if(typeof data15 !== "boolean"){
const err22 = {instancePath:instancePath+"/default",schemaPath:"#/properties/default/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema35.properties.default.type,parentSchema:schema35.properties.default,data:data15};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.auth_level !== undefined){
let data16 = data.auth_level;
if(!(((data16 === "anonymous") || (data16 === "function")) || (data16 === "admin"))){
const err23 = {instancePath:instancePath+"/auth_level",schemaPath:"#/properties/auth_level/enum",keyword:"enum",params:{allowedValues: schema35.properties.auth_level.enum},message:"must be equal to one of the allowed values",schema:schema35.properties.auth_level.enum,parentSchema:schema35.properties.auth_level,data:data16};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data.allowed_origins !== undefined){
let data17 = data.allowed_origins;
if(Array.isArray(data17)){
const len1 = data17.length;
for(let i1=0; i1<len1; i1++){
let data18 = data17[i1];
if(typeof data18 !== "string"){
const err24 = {instancePath:instancePath+"/allowed_origins/" + i1,schemaPath:"#/properties/allowed_origins/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.allowed_origins.items.type,parentSchema:schema35.properties.allowed_origins.items,data:data18};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath:instancePath+"/allowed_origins",schemaPath:"#/properties/allowed_origins/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema35.properties.allowed_origins.type,parentSchema:schema35.properties.allowed_origins,data:data17};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data.sessions !== undefined){
let data19 = data.sessions;
if(data19 && typeof data19 == "object" && !Array.isArray(data19)){
for(const key2 in data19){
if(!(((((((key2 === "max_concurrent") || (key2 === "idle_timeout_seconds")) || (key2 === "max_lifetime_seconds")) || (key2 === "max_per_principal")) || (key2 === "input_wait_seconds")) || (key2 === "reclaim_after_seconds")) || (key2 === "warm_pool"))){
const err26 = {instancePath:instancePath+"/sessions",schemaPath:"#/$defs/sessionLimits/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema36,data:data19};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data19.max_concurrent !== undefined){
let data20 = data19.max_concurrent;
if(!(((typeof data20 == "number") && (!(data20 % 1) && !isNaN(data20))) && (isFinite(data20)))){
const err27 = {instancePath:instancePath+"/sessions/max_concurrent",schemaPath:"#/$defs/sessionLimits/properties/max_concurrent/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema36.properties.max_concurrent.type,parentSchema:schema36.properties.max_concurrent,data:data20};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
if((typeof data20 == "number") && (isFinite(data20))){
if(data20 < 1 || isNaN(data20)){
const err28 = {instancePath:instancePath+"/sessions/max_concurrent",schemaPath:"#/$defs/sessionLimits/properties/max_concurrent/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema36.properties.max_concurrent,data:data20};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
if(data19.idle_timeout_seconds !== undefined){
let data21 = data19.idle_timeout_seconds;
if((typeof data21 == "number") && (isFinite(data21))){
if(data21 <= 0 || isNaN(data21)){
const err29 = {instancePath:instancePath+"/sessions/idle_timeout_seconds",schemaPath:"#/$defs/sessionLimits/properties/idle_timeout_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema36.properties.idle_timeout_seconds,data:data21};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
else {
const err30 = {instancePath:instancePath+"/sessions/idle_timeout_seconds",schemaPath:"#/$defs/sessionLimits/properties/idle_timeout_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.idle_timeout_seconds.type,parentSchema:schema36.properties.idle_timeout_seconds,data:data21};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
if(data19.max_lifetime_seconds !== undefined){
let data22 = data19.max_lifetime_seconds;
if((typeof data22 == "number") && (isFinite(data22))){
if(data22 <= 0 || isNaN(data22)){
const err31 = {instancePath:instancePath+"/sessions/max_lifetime_seconds",schemaPath:"#/$defs/sessionLimits/properties/max_lifetime_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema36.properties.max_lifetime_seconds,data:data22};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
else {
const err32 = {instancePath:instancePath+"/sessions/max_lifetime_seconds",schemaPath:"#/$defs/sessionLimits/properties/max_lifetime_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.max_lifetime_seconds.type,parentSchema:schema36.properties.max_lifetime_seconds,data:data22};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data19.max_per_principal !== undefined){
let data23 = data19.max_per_principal;
if(!(((typeof data23 == "number") && (!(data23 % 1) && !isNaN(data23))) && (isFinite(data23)))){
const err33 = {instancePath:instancePath+"/sessions/max_per_principal",schemaPath:"#/$defs/sessionLimits/properties/max_per_principal/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema36.properties.max_per_principal.type,parentSchema:schema36.properties.max_per_principal,data:data23};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
if((typeof data23 == "number") && (isFinite(data23))){
if(data23 < 1 || isNaN(data23)){
const err34 = {instancePath:instancePath+"/sessions/max_per_principal",schemaPath:"#/$defs/sessionLimits/properties/max_per_principal/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema36.properties.max_per_principal,data:data23};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
}
if(data19.input_wait_seconds !== undefined){
let data24 = data19.input_wait_seconds;
if((typeof data24 == "number") && (isFinite(data24))){
if(data24 <= 0 || isNaN(data24)){
const err35 = {instancePath:instancePath+"/sessions/input_wait_seconds",schemaPath:"#/$defs/sessionLimits/properties/input_wait_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema36.properties.input_wait_seconds,data:data24};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
else {
const err36 = {instancePath:instancePath+"/sessions/input_wait_seconds",schemaPath:"#/$defs/sessionLimits/properties/input_wait_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.input_wait_seconds.type,parentSchema:schema36.properties.input_wait_seconds,data:data24};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
if(data19.reclaim_after_seconds !== undefined){
let data25 = data19.reclaim_after_seconds;
if((typeof data25 == "number") && (isFinite(data25))){
if(data25 <= 0 || isNaN(data25)){
const err37 = {instancePath:instancePath+"/sessions/reclaim_after_seconds",schemaPath:"#/$defs/sessionLimits/properties/reclaim_after_seconds/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0",schema:0,parentSchema:schema36.properties.reclaim_after_seconds,data:data25};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
else {
const err38 = {instancePath:instancePath+"/sessions/reclaim_after_seconds",schemaPath:"#/$defs/sessionLimits/properties/reclaim_after_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.reclaim_after_seconds.type,parentSchema:schema36.properties.reclaim_after_seconds,data:data25};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
if(data19.warm_pool !== undefined){
let data26 = data19.warm_pool;
if(!(((typeof data26 == "number") && (!(data26 % 1) && !isNaN(data26))) && (isFinite(data26)))){
const err39 = {instancePath:instancePath+"/sessions/warm_pool",schemaPath:"#/$defs/sessionLimits/properties/warm_pool/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema36.properties.warm_pool.type,parentSchema:schema36.properties.warm_pool,data:data26};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
if((typeof data26 == "number") && (isFinite(data26))){
if(data26 > 64 || isNaN(data26)){
const err40 = {instancePath:instancePath+"/sessions/warm_pool",schemaPath:"#/$defs/sessionLimits/properties/warm_pool/maximum",keyword:"maximum",params:{comparison: "<=", limit: 64},message:"must be <= 64",schema:64,parentSchema:schema36.properties.warm_pool,data:data26};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
if(data26 < 0 || isNaN(data26)){
const err41 = {instancePath:instancePath+"/sessions/warm_pool",schemaPath:"#/$defs/sessionLimits/properties/warm_pool/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema36.properties.warm_pool,data:data26};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
}
}
else {
const err42 = {instancePath:instancePath+"/sessions",schemaPath:"#/$defs/sessionLimits/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.type,parentSchema:schema36,data:data19};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
if(data.auth !== undefined){
if(!(validate23(data.auth, {instancePath:instancePath+"/auth",parentData:data,parentDataProperty:"auth",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
}
if(data.state !== undefined){
let data28 = data.state;
if(!((data28 === "stateful") || (data28 === "stateless"))){
const err43 = {instancePath:instancePath+"/state",schemaPath:"#/properties/state/enum",keyword:"enum",params:{allowedValues: schema35.properties.state.enum},message:"must be equal to one of the allowed values",schema:schema35.properties.state.enum,parentSchema:schema35.properties.state,data:data28};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
if(data.allowed_roles !== undefined){
let data29 = data.allowed_roles;
if(Array.isArray(data29)){
const len2 = data29.length;
for(let i2=0; i2<len2; i2++){
let data30 = data29[i2];
if(typeof data30 === "string"){
if(func2(data30) < 1){
const err44 = {instancePath:instancePath+"/allowed_roles/" + i2,schemaPath:"#/properties/allowed_roles/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35.properties.allowed_roles.items,data:data30};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
else {
const err45 = {instancePath:instancePath+"/allowed_roles/" + i2,schemaPath:"#/properties/allowed_roles/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.allowed_roles.items.type,parentSchema:schema35.properties.allowed_roles.items,data:data30};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
}
else {
const err46 = {instancePath:instancePath+"/allowed_roles",schemaPath:"#/properties/allowed_roles/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema35.properties.allowed_roles.type,parentSchema:schema35.properties.allowed_roles,data:data29};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
if(data.max_child_memory_mb !== undefined){
let data31 = data.max_child_memory_mb;
if(!(((typeof data31 == "number") && (!(data31 % 1) && !isNaN(data31))) && (isFinite(data31)))){
const err47 = {instancePath:instancePath+"/max_child_memory_mb",schemaPath:"#/properties/max_child_memory_mb/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema35.properties.max_child_memory_mb.type,parentSchema:schema35.properties.max_child_memory_mb,data:data31};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
if((typeof data31 == "number") && (isFinite(data31))){
if(data31 < 16 || isNaN(data31)){
const err48 = {instancePath:instancePath+"/max_child_memory_mb",schemaPath:"#/properties/max_child_memory_mb/minimum",keyword:"minimum",params:{comparison: ">=", limit: 16},message:"must be >= 16",schema:16,parentSchema:schema35.properties.max_child_memory_mb,data:data31};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
}
if(data.tools !== undefined){
if(!(validate25(data.tools, {instancePath:instancePath+"/tools",parentData:data,parentDataProperty:"tools",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.prompts !== undefined){
let data33 = data.prompts;
if(data33 && typeof data33 == "object" && !Array.isArray(data33)){
for(const key3 in data33){
if(!((key3 === "allow") || (key3 === "deny"))){
const err49 = {instancePath:instancePath+"/prompts",schemaPath:"#/$defs/nameRules/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema42,data:data33};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
if(data33.allow !== undefined){
let data34 = data33.allow;
if(Array.isArray(data34)){
const len3 = data34.length;
for(let i3=0; i3<len3; i3++){
let data35 = data34[i3];
if(typeof data35 === "string"){
if(func2(data35) < 1){
const err50 = {instancePath:instancePath+"/prompts/allow/" + i3,schemaPath:"#/$defs/nameRules/properties/allow/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema42.properties.allow.items,data:data35};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
else {
const err51 = {instancePath:instancePath+"/prompts/allow/" + i3,schemaPath:"#/$defs/nameRules/properties/allow/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema42.properties.allow.items.type,parentSchema:schema42.properties.allow.items,data:data35};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
}
else {
const err52 = {instancePath:instancePath+"/prompts/allow",schemaPath:"#/$defs/nameRules/properties/allow/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema42.properties.allow.type,parentSchema:schema42.properties.allow,data:data34};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
if(data33.deny !== undefined){
let data36 = data33.deny;
if(Array.isArray(data36)){
const len4 = data36.length;
for(let i4=0; i4<len4; i4++){
let data37 = data36[i4];
if(typeof data37 === "string"){
if(func2(data37) < 1){
const err53 = {instancePath:instancePath+"/prompts/deny/" + i4,schemaPath:"#/$defs/nameRules/properties/deny/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema42.properties.deny.items,data:data37};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
else {
const err54 = {instancePath:instancePath+"/prompts/deny/" + i4,schemaPath:"#/$defs/nameRules/properties/deny/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema42.properties.deny.items.type,parentSchema:schema42.properties.deny.items,data:data37};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
}
}
else {
const err55 = {instancePath:instancePath+"/prompts/deny",schemaPath:"#/$defs/nameRules/properties/deny/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema42.properties.deny.type,parentSchema:schema42.properties.deny,data:data36};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
}
}
else {
const err56 = {instancePath:instancePath+"/prompts",schemaPath:"#/$defs/nameRules/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema42.type,parentSchema:schema42,data:data33};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
if(data.resources !== undefined){
let data38 = data.resources;
if(data38 && typeof data38 == "object" && !Array.isArray(data38)){
for(const key4 in data38){
if(!((key4 === "allow") || (key4 === "deny"))){
const err57 = {instancePath:instancePath+"/resources",schemaPath:"#/$defs/nameRules/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema42,data:data38};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
if(data38.allow !== undefined){
let data39 = data38.allow;
if(Array.isArray(data39)){
const len5 = data39.length;
for(let i5=0; i5<len5; i5++){
let data40 = data39[i5];
if(typeof data40 === "string"){
if(func2(data40) < 1){
const err58 = {instancePath:instancePath+"/resources/allow/" + i5,schemaPath:"#/$defs/nameRules/properties/allow/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema42.properties.allow.items,data:data40};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
else {
const err59 = {instancePath:instancePath+"/resources/allow/" + i5,schemaPath:"#/$defs/nameRules/properties/allow/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema42.properties.allow.items.type,parentSchema:schema42.properties.allow.items,data:data40};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
}
else {
const err60 = {instancePath:instancePath+"/resources/allow",schemaPath:"#/$defs/nameRules/properties/allow/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema42.properties.allow.type,parentSchema:schema42.properties.allow,data:data39};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
if(data38.deny !== undefined){
let data41 = data38.deny;
if(Array.isArray(data41)){
const len6 = data41.length;
for(let i6=0; i6<len6; i6++){
let data42 = data41[i6];
if(typeof data42 === "string"){
if(func2(data42) < 1){
const err61 = {instancePath:instancePath+"/resources/deny/" + i6,schemaPath:"#/$defs/nameRules/properties/deny/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema42.properties.deny.items,data:data42};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
}
else {
const err62 = {instancePath:instancePath+"/resources/deny/" + i6,schemaPath:"#/$defs/nameRules/properties/deny/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema42.properties.deny.items.type,parentSchema:schema42.properties.deny.items,data:data42};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
}
}
else {
const err63 = {instancePath:instancePath+"/resources/deny",schemaPath:"#/$defs/nameRules/properties/deny/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema42.properties.deny.type,parentSchema:schema42.properties.deny,data:data41};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
}
}
else {
const err64 = {instancePath:instancePath+"/resources",schemaPath:"#/$defs/nameRules/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema42.type,parentSchema:schema42,data:data38};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
}
}
else {
const err65 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.type,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
validate22.errors = vErrors;
return errors === 0;
}
validate22.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate21.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(!(data && typeof data == "object" && !Array.isArray(data))){
const err0 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema33.type,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
const _errs1 = errors;
let valid0 = true;
const _errs2 = errors;
if(!(data && typeof data == "object" && !Array.isArray(data))){
const err1 = {};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
const _errs4 = errors;
let valid1 = false;
const _errs5 = errors;
if(errors === _errs5){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((data.url === undefined) && (missing0 = "url")){
const err2 = {};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
var _valid1 = _errs5 === errors;
valid1 = valid1 || _valid1;
const _errs7 = errors;
if(errors === _errs7){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing1;
if((data.type === undefined) && (missing1 = "type")){
const err4 = {};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
else {
if(data.type !== undefined){
let data0 = data.type;
if(!((data0 === "http") || (data0 === "sse"))){
const err5 = {};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
}
else {
const err6 = {};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
var _valid1 = _errs7 === errors;
valid1 = valid1 || _valid1;
if(_valid1){
var props0 = {};
props0.type = true;
}
if(!valid1){
const err7 = {};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs4;
if(vErrors !== null){
if(_errs4){
vErrors.length = _errs4;
}
else {
vErrors = null;
}
}
}
var _valid0 = _errs2 === errors;
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
let ifClause0;
if(_valid0){
const _errs10 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type !== undefined){
let data1 = data.type;
if(!((data1 === "http") || (data1 === "sse"))){
const err8 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/remoteServer/properties/type/enum",keyword:"enum",params:{allowedValues: schema34.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema34.properties.type.enum,parentSchema:schema34.properties.type,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.url !== undefined){
let data2 = data.url;
if(typeof data2 !== "string"){
const err9 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/remoteServer/properties/url/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.properties.url.type,parentSchema:schema34.properties.url,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.headers !== undefined){
let data3 = data.headers;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
for(const key0 in data3){
let data4 = data3[key0];
if(typeof data4 !== "string"){
const err10 = {instancePath:instancePath+"/headers/" + key0.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/remoteServer/properties/headers/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.properties.headers.additionalProperties.type,parentSchema:schema34.properties.headers.additionalProperties,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/headers",schemaPath:"#/$defs/remoteServer/properties/headers/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.properties.headers.type,parentSchema:schema34.properties.headers,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath,schemaPath:"#/$defs/remoteServer/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.type,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var _valid0 = _errs10 === errors;
valid0 = _valid0;
if(valid0){
if(props0 !== true){
props0 = props0 || {};
props0.type = true;
props0.url = true;
props0.headers = true;
}
}
ifClause0 = "then";
}
else {
const _errs21 = errors;
if(!(validate22(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
var _valid0 = _errs21 === errors;
valid0 = _valid0;
if(valid0){
if(props0 !== true){
props0 = true;
}
}
ifClause0 = "else";
}
if(!valid0){
const err13 = {instancePath,schemaPath:"#/if",keyword:"if",params:{failingKeyword: ifClause0},message:"must match \""+ifClause0+"\" schema",schema:schema33.if,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
validate21.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate21.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://raw.githubusercontent.com/mcp-stdio-functions/mcp-stdio-functions/main/schemas/mcp_config.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate20.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((((key0 === "$schema") || (key0 === "mcpServers")) || (key0 === "servers")) || (key0 === "inputs")) || (key0 === "adapter")) || (key0 === "deployment"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.$schema !== undefined){
let data0 = data.$schema;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/$schema",schemaPath:"#/properties/%24schema/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.$schema.type,parentSchema:schema31.properties.$schema,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.mcpServers !== undefined){
let data1 = data.mcpServers;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
for(const key1 in data1){
const _errs6 = errors;
if(typeof key1 === "string"){
if(!pattern4.test(key1)){
const err2 = {instancePath:instancePath+"/mcpServers",schemaPath:"#/$defs/serverName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"+"\"",schema:"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",parentSchema:schema32,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/mcpServers",schemaPath:"#/$defs/serverName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var valid1 = _errs6 === errors;
if(!valid1){
const err4 = {instancePath:instancePath+"/mcpServers",schemaPath:"#/properties/mcpServers/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema31.properties.mcpServers.propertyNames,parentSchema:schema31.properties.mcpServers,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
for(const key2 in data1){
if(!(validate21(data1[key2], {instancePath:instancePath+"/mcpServers/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data1,parentDataProperty:key2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
}
else {
const err5 = {instancePath:instancePath+"/mcpServers",schemaPath:"#/properties/mcpServers/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.mcpServers.type,parentSchema:schema31.properties.mcpServers,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.servers !== undefined){
let data3 = data.servers;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
for(const key3 in data3){
const _errs13 = errors;
if(typeof key3 === "string"){
if(!pattern4.test(key3)){
const err6 = {instancePath:instancePath+"/servers",schemaPath:"#/$defs/serverName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"+"\"",schema:"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",parentSchema:schema32,data:key3,propertyName:key3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/servers",schemaPath:"#/$defs/serverName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:key3,propertyName:key3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
var valid4 = _errs13 === errors;
if(!valid4){
const err8 = {instancePath:instancePath+"/servers",schemaPath:"#/properties/servers/propertyNames",keyword:"propertyNames",params:{propertyName: key3},message:"property name must be valid",schema:schema31.properties.servers.propertyNames,parentSchema:schema31.properties.servers,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
for(const key4 in data3){
if(!(validate21(data3[key4], {instancePath:instancePath+"/servers/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data3,parentDataProperty:key4,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
}
else {
const err9 = {instancePath:instancePath+"/servers",schemaPath:"#/properties/servers/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.servers.type,parentSchema:schema31.properties.servers,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.inputs !== undefined){
let data5 = data.inputs;
if(Array.isArray(data5)){
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
if(data6.id === undefined){
const err10 = {instancePath:instancePath+"/inputs/" + i0,schemaPath:"#/$defs/input/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'",schema:schema45.required,parentSchema:schema45,data:data6};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
for(const key5 in data6){
if(!((((((key5 === "id") || (key5 === "type")) || (key5 === "description")) || (key5 === "password")) || (key5 === "default")) || (key5 === "options"))){
const err11 = {instancePath:instancePath+"/inputs/" + i0,schemaPath:"#/$defs/input/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties",schema:false,parentSchema:schema45,data:data6};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data6.id !== undefined){
let data7 = data6.id;
if(typeof data7 === "string"){
if(!pattern6.test(data7)){
const err12 = {instancePath:instancePath+"/inputs/" + i0+"/id",schemaPath:"#/$defs/input/properties/id/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.-]+$"},message:"must match pattern \""+"^[A-Za-z0-9_.-]+$"+"\"",schema:"^[A-Za-z0-9_.-]+$",parentSchema:schema45.properties.id,data:data7};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/inputs/" + i0+"/id",schemaPath:"#/$defs/input/properties/id/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.id.type,parentSchema:schema45.properties.id,data:data7};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data6.type !== undefined){
let data8 = data6.type;
if(!((data8 === "promptString") || (data8 === "pickString"))){
const err14 = {instancePath:instancePath+"/inputs/" + i0+"/type",schemaPath:"#/$defs/input/properties/type/enum",keyword:"enum",params:{allowedValues: schema45.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema45.properties.type.enum,parentSchema:schema45.properties.type,data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data6.description !== undefined){
let data9 = data6.description;
if(typeof data9 !== "string"){
const err15 = {instancePath:instancePath+"/inputs/" + i0+"/description",schemaPath:"#/$defs/input/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.description.type,parentSchema:schema45.properties.description,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data6.password !== undefined){
let data10 = data6.password;
if(typeof data10 !== "boolean"){
const err16 = {instancePath:instancePath+"/inputs/" + i0+"/password",schemaPath:"#/$defs/input/properties/password/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema45.properties.password.type,parentSchema:schema45.properties.password,data:data10};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data6.default !== undefined){
let data11 = data6.default;
if(typeof data11 !== "string"){
const err17 = {instancePath:instancePath+"/inputs/" + i0+"/default",schemaPath:"#/$defs/input/properties/default/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.default.type,parentSchema:schema45.properties.default,data:data11};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data6.options !== undefined){
let data12 = data6.options;
if(Array.isArray(data12)){
const len1 = data12.length;
for(let i1=0; i1<len1; i1++){
let data13 = data12[i1];
if(typeof data13 !== "string"){
const err18 = {instancePath:instancePath+"/inputs/" + i0+"/options/" + i1,schemaPath:"#/$defs/input/properties/options/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.options.items.type,parentSchema:schema45.properties.options.items,data:data13};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/inputs/" + i0+"/options",schemaPath:"#/$defs/input/properties/options/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema45.properties.options.type,parentSchema:schema45.properties.options,data:data12};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/inputs/" + i0,schemaPath:"#/$defs/input/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema45.type,parentSchema:schema45,data:data6};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/inputs",schemaPath:"#/properties/inputs/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema31.properties.inputs.type,parentSchema:schema31.properties.inputs,data:data5};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.adapter !== undefined){
let data14 = data.adapter;
if(data14 && typeof data14 == "object" && !Array.isArray(data14)){
for(const key6 in data14){
if(!(func1.call(schema46.properties, key6))){
const err22 = {instancePath:instancePath+"/adapter",schemaPath:"#/$defs/adapter/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties",schema:false,parentSchema:schema46,data:data14};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data14.max_sessions !== undefined){
let data15 = data14.max_sessions;
if(!(((typeof data15 == "number") && (!(data15 % 1) && !isNaN(data15))) && (isFinite(data15)))){
const err23 = {instancePath:instancePath+"/adapter/max_sessions",schemaPath:"#/$defs/adapter/properties/max_sessions/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.max_sessions.type,parentSchema:schema46.properties.max_sessions,data:data15};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
if((typeof data15 == "number") && (isFinite(data15))){
if(data15 < 1 || isNaN(data15)){
const err24 = {instancePath:instancePath+"/adapter/max_sessions",schemaPath:"#/$defs/adapter/properties/max_sessions/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema46.properties.max_sessions,data:data15};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
if(data14.max_body_bytes !== undefined){
let data16 = data14.max_body_bytes;
if(!(((typeof data16 == "number") && (!(data16 % 1) && !isNaN(data16))) && (isFinite(data16)))){
const err25 = {instancePath:instancePath+"/adapter/max_body_bytes",schemaPath:"#/$defs/adapter/properties/max_body_bytes/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.max_body_bytes.type,parentSchema:schema46.properties.max_body_bytes,data:data16};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if((typeof data16 == "number") && (isFinite(data16))){
if(data16 < 1024 || isNaN(data16)){
const err26 = {instancePath:instancePath+"/adapter/max_body_bytes",schemaPath:"#/$defs/adapter/properties/max_body_bytes/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1024},message:"must be >= 1024",schema:1024,parentSchema:schema46.properties.max_body_bytes,data:data16};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
if(data14.allowed_origins !== undefined){
let data17 = data14.allowed_origins;
if(Array.isArray(data17)){
const len2 = data17.length;
for(let i2=0; i2<len2; i2++){
let data18 = data17[i2];
if(typeof data18 !== "string"){
const err27 = {instancePath:instancePath+"/adapter/allowed_origins/" + i2,schemaPath:"#/$defs/adapter/properties/allowed_origins/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.allowed_origins.items.type,parentSchema:schema46.properties.allowed_origins.items,data:data18};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
}
else {
const err28 = {instancePath:instancePath+"/adapter/allowed_origins",schemaPath:"#/$defs/adapter/properties/allowed_origins/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema46.properties.allowed_origins.type,parentSchema:schema46.properties.allowed_origins,data:data17};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data14.allowed_hosts !== undefined){
let data19 = data14.allowed_hosts;
if(Array.isArray(data19)){
const len3 = data19.length;
for(let i3=0; i3<len3; i3++){
let data20 = data19[i3];
if(typeof data20 !== "string"){
const err29 = {instancePath:instancePath+"/adapter/allowed_hosts/" + i3,schemaPath:"#/$defs/adapter/properties/allowed_hosts/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.allowed_hosts.items.type,parentSchema:schema46.properties.allowed_hosts.items,data:data20};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
}
else {
const err30 = {instancePath:instancePath+"/adapter/allowed_hosts",schemaPath:"#/$defs/adapter/properties/allowed_hosts/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema46.properties.allowed_hosts.type,parentSchema:schema46.properties.allowed_hosts,data:data19};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
if(data14.public_base_url !== undefined){
let data21 = data14.public_base_url;
if(typeof data21 === "string"){
if(!pattern7.test(data21)){
const err31 = {instancePath:instancePath+"/adapter/public_base_url",schemaPath:"#/$defs/adapter/properties/public_base_url/pattern",keyword:"pattern",params:{pattern: "^https?://"},message:"must match pattern \""+"^https?://"+"\"",schema:"^https?://",parentSchema:schema46.properties.public_base_url,data:data21};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
else {
const err32 = {instancePath:instancePath+"/adapter/public_base_url",schemaPath:"#/$defs/adapter/properties/public_base_url/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.public_base_url.type,parentSchema:schema46.properties.public_base_url,data:data21};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data14.shutdown_grace_seconds !== undefined){
let data22 = data14.shutdown_grace_seconds;
if((typeof data22 == "number") && (isFinite(data22))){
if(data22 < 0 || isNaN(data22)){
const err33 = {instancePath:instancePath+"/adapter/shutdown_grace_seconds",schemaPath:"#/$defs/adapter/properties/shutdown_grace_seconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema46.properties.shutdown_grace_seconds,data:data22};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
else {
const err34 = {instancePath:instancePath+"/adapter/shutdown_grace_seconds",schemaPath:"#/$defs/adapter/properties/shutdown_grace_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema46.properties.shutdown_grace_seconds.type,parentSchema:schema46.properties.shutdown_grace_seconds,data:data22};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data14.log_level !== undefined){
let data23 = data14.log_level;
const _errs58 = errors;
let valid19 = false;
const _errs59 = errors;
if(!(((((data23 === "debug") || (data23 === "info")) || (data23 === "warn")) || (data23 === "error")) || (data23 === "silent"))){
const err35 = {instancePath:instancePath+"/adapter/log_level",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[0].enum,parentSchema:schema46.properties.log_level.anyOf[0],data:data23};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
var _valid0 = _errs59 === errors;
valid19 = valid19 || _valid0;
const _errs60 = errors;
if(data23 && typeof data23 == "object" && !Array.isArray(data23)){
for(const key7 in data23){
if(!((((((key7 === "default") || (key7 === "config")) || (key7 === "process")) || (key7 === "session")) || (key7 === "http")) || (key7 === "auth"))){
const err36 = {instancePath:instancePath+"/adapter/log_level",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties",schema:false,parentSchema:schema46.properties.log_level.anyOf[1],data:data23};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
if(data23.default !== undefined){
let data24 = data23.default;
if(!(((((data24 === "debug") || (data24 === "info")) || (data24 === "warn")) || (data24 === "error")) || (data24 === "silent"))){
const err37 = {instancePath:instancePath+"/adapter/log_level/default",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/properties/default/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[1].properties.default.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[1].properties.default.enum,parentSchema:schema46.properties.log_level.anyOf[1].properties.default,data:data24};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data23.config !== undefined){
let data25 = data23.config;
if(!(((((data25 === "debug") || (data25 === "info")) || (data25 === "warn")) || (data25 === "error")) || (data25 === "silent"))){
const err38 = {instancePath:instancePath+"/adapter/log_level/config",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/properties/config/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[1].properties.config.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[1].properties.config.enum,parentSchema:schema46.properties.log_level.anyOf[1].properties.config,data:data25};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
if(data23.process !== undefined){
let data26 = data23.process;
if(!(((((data26 === "debug") || (data26 === "info")) || (data26 === "warn")) || (data26 === "error")) || (data26 === "silent"))){
const err39 = {instancePath:instancePath+"/adapter/log_level/process",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/properties/process/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[1].properties.process.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[1].properties.process.enum,parentSchema:schema46.properties.log_level.anyOf[1].properties.process,data:data26};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
if(data23.session !== undefined){
let data27 = data23.session;
if(!(((((data27 === "debug") || (data27 === "info")) || (data27 === "warn")) || (data27 === "error")) || (data27 === "silent"))){
const err40 = {instancePath:instancePath+"/adapter/log_level/session",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/properties/session/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[1].properties.session.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[1].properties.session.enum,parentSchema:schema46.properties.log_level.anyOf[1].properties.session,data:data27};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
if(data23.http !== undefined){
let data28 = data23.http;
if(!(((((data28 === "debug") || (data28 === "info")) || (data28 === "warn")) || (data28 === "error")) || (data28 === "silent"))){
const err41 = {instancePath:instancePath+"/adapter/log_level/http",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/properties/http/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[1].properties.http.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[1].properties.http.enum,parentSchema:schema46.properties.log_level.anyOf[1].properties.http,data:data28};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data23.auth !== undefined){
let data29 = data23.auth;
if(!(((((data29 === "debug") || (data29 === "info")) || (data29 === "warn")) || (data29 === "error")) || (data29 === "silent"))){
const err42 = {instancePath:instancePath+"/adapter/log_level/auth",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/properties/auth/enum",keyword:"enum",params:{allowedValues: schema46.properties.log_level.anyOf[1].properties.auth.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.log_level.anyOf[1].properties.auth.enum,parentSchema:schema46.properties.log_level.anyOf[1].properties.auth,data:data29};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
}
else {
const err43 = {instancePath:instancePath+"/adapter/log_level",schemaPath:"#/$defs/adapter/properties/log_level/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.properties.log_level.anyOf[1].type,parentSchema:schema46.properties.log_level.anyOf[1],data:data23};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
var _valid0 = _errs60 === errors;
valid19 = valid19 || _valid0;
if(!valid19){
const err44 = {instancePath:instancePath+"/adapter/log_level",schemaPath:"#/$defs/adapter/properties/log_level/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema46.properties.log_level.anyOf,parentSchema:schema46.properties.log_level,data:data23};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
else {
errors = _errs58;
if(vErrors !== null){
if(_errs58){
vErrors.length = _errs58;
}
else {
vErrors = null;
}
}
}
}
if(data14.stream_limit_seconds !== undefined){
let data30 = data14.stream_limit_seconds;
if((typeof data30 == "number") && (isFinite(data30))){
if(data30 < 0 || isNaN(data30)){
const err45 = {instancePath:instancePath+"/adapter/stream_limit_seconds",schemaPath:"#/$defs/adapter/properties/stream_limit_seconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema46.properties.stream_limit_seconds,data:data30};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
else {
const err46 = {instancePath:instancePath+"/adapter/stream_limit_seconds",schemaPath:"#/$defs/adapter/properties/stream_limit_seconds/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema46.properties.stream_limit_seconds.type,parentSchema:schema46.properties.stream_limit_seconds,data:data30};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
if(data14.isolation !== undefined){
let data31 = data14.isolation;
if(!(((data31 === "auto") || (data31 === "user_per_child")) || (data31 === "shared_user"))){
const err47 = {instancePath:instancePath+"/adapter/isolation",schemaPath:"#/$defs/adapter/properties/isolation/enum",keyword:"enum",params:{allowedValues: schema46.properties.isolation.enum},message:"must be equal to one of the allowed values",schema:schema46.properties.isolation.enum,parentSchema:schema46.properties.isolation,data:data31};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
if(data14.install_npx_servers !== undefined){
let data32 = data14.install_npx_servers;
if(typeof data32 !== "boolean"){
const err48 = {instancePath:instancePath+"/adapter/install_npx_servers",schemaPath:"#/$defs/adapter/properties/install_npx_servers/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema46.properties.install_npx_servers.type,parentSchema:schema46.properties.install_npx_servers,data:data32};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data14.list_servers_publicly !== undefined){
let data33 = data14.list_servers_publicly;
if(typeof data33 !== "boolean"){
const err49 = {instancePath:instancePath+"/adapter/list_servers_publicly",schemaPath:"#/$defs/adapter/properties/list_servers_publicly/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema46.properties.list_servers_publicly.type,parentSchema:schema46.properties.list_servers_publicly,data:data33};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
if(data14.allow_shared_user_credentials !== undefined){
let data34 = data14.allow_shared_user_credentials;
if(typeof data34 !== "boolean"){
const err50 = {instancePath:instancePath+"/adapter/allow_shared_user_credentials",schemaPath:"#/$defs/adapter/properties/allow_shared_user_credentials/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema46.properties.allow_shared_user_credentials.type,parentSchema:schema46.properties.allow_shared_user_credentials,data:data34};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
if(data14.child_uids !== undefined){
let data35 = data14.child_uids;
if(data35 && typeof data35 == "object" && !Array.isArray(data35)){
for(const key8 in data35){
if(!((key8 === "first") || (key8 === "count"))){
const err51 = {instancePath:instancePath+"/adapter/child_uids",schemaPath:"#/$defs/adapter/properties/child_uids/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key8},message:"must NOT have additional properties",schema:false,parentSchema:schema46.properties.child_uids,data:data35};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
if(data35.first !== undefined){
let data36 = data35.first;
if(!(((typeof data36 == "number") && (!(data36 % 1) && !isNaN(data36))) && (isFinite(data36)))){
const err52 = {instancePath:instancePath+"/adapter/child_uids/first",schemaPath:"#/$defs/adapter/properties/child_uids/properties/first/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.child_uids.properties.first.type,parentSchema:schema46.properties.child_uids.properties.first,data:data36};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
if((typeof data36 == "number") && (isFinite(data36))){
if(data36 > 4294967294 || isNaN(data36)){
const err53 = {instancePath:instancePath+"/adapter/child_uids/first",schemaPath:"#/$defs/adapter/properties/child_uids/properties/first/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967294},message:"must be <= 4294967294",schema:4294967294,parentSchema:schema46.properties.child_uids.properties.first,data:data36};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
if(data36 < 1000 || isNaN(data36)){
const err54 = {instancePath:instancePath+"/adapter/child_uids/first",schemaPath:"#/$defs/adapter/properties/child_uids/properties/first/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1000},message:"must be >= 1000",schema:1000,parentSchema:schema46.properties.child_uids.properties.first,data:data36};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
}
}
if(data35.count !== undefined){
let data37 = data35.count;
if(!(((typeof data37 == "number") && (!(data37 % 1) && !isNaN(data37))) && (isFinite(data37)))){
const err55 = {instancePath:instancePath+"/adapter/child_uids/count",schemaPath:"#/$defs/adapter/properties/child_uids/properties/count/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.child_uids.properties.count.type,parentSchema:schema46.properties.child_uids.properties.count,data:data37};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
if((typeof data37 == "number") && (isFinite(data37))){
if(data37 > 65536 || isNaN(data37)){
const err56 = {instancePath:instancePath+"/adapter/child_uids/count",schemaPath:"#/$defs/adapter/properties/child_uids/properties/count/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65536},message:"must be <= 65536",schema:65536,parentSchema:schema46.properties.child_uids.properties.count,data:data37};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
if(data37 < 1 || isNaN(data37)){
const err57 = {instancePath:instancePath+"/adapter/child_uids/count",schemaPath:"#/$defs/adapter/properties/child_uids/properties/count/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema46.properties.child_uids.properties.count,data:data37};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
}
}
else {
const err58 = {instancePath:instancePath+"/adapter/child_uids",schemaPath:"#/$defs/adapter/properties/child_uids/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.properties.child_uids.type,parentSchema:schema46.properties.child_uids,data:data35};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
}
else {
const err59 = {instancePath:instancePath+"/adapter",schemaPath:"#/$defs/adapter/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.type,parentSchema:schema46,data:data14};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
if(data.deployment !== undefined){
let data38 = data.deployment;
if(data38 && typeof data38 == "object" && !Array.isArray(data38)){
for(const key9 in data38){
if(!((((((key9 === "instance_memory_mb") || (key9 === "maximum_instance_count")) || (key9 === "always_ready_instances")) || (key9 === "child_memory_mb")) || (key9 === "single_instance")) || (key9 === "stateful"))){
const err60 = {instancePath:instancePath+"/deployment",schemaPath:"#/$defs/deployment/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key9},message:"must NOT have additional properties",schema:false,parentSchema:schema47,data:data38};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
if(data38.instance_memory_mb !== undefined){
let data39 = data38.instance_memory_mb;
if(!(((data39 === 512) || (data39 === 2048)) || (data39 === 4096))){
const err61 = {instancePath:instancePath+"/deployment/instance_memory_mb",schemaPath:"#/$defs/deployment/properties/instance_memory_mb/enum",keyword:"enum",params:{allowedValues: schema47.properties.instance_memory_mb.enum},message:"must be equal to one of the allowed values",schema:schema47.properties.instance_memory_mb.enum,parentSchema:schema47.properties.instance_memory_mb,data:data39};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
}
if(data38.maximum_instance_count !== undefined){
let data40 = data38.maximum_instance_count;
if(!(((typeof data40 == "number") && (!(data40 % 1) && !isNaN(data40))) && (isFinite(data40)))){
const err62 = {instancePath:instancePath+"/deployment/maximum_instance_count",schemaPath:"#/$defs/deployment/properties/maximum_instance_count/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema47.properties.maximum_instance_count.type,parentSchema:schema47.properties.maximum_instance_count,data:data40};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
if((typeof data40 == "number") && (isFinite(data40))){
if(data40 > 1000 || isNaN(data40)){
const err63 = {instancePath:instancePath+"/deployment/maximum_instance_count",schemaPath:"#/$defs/deployment/properties/maximum_instance_count/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1000},message:"must be <= 1000",schema:1000,parentSchema:schema47.properties.maximum_instance_count,data:data40};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
if(data40 < 1 || isNaN(data40)){
const err64 = {instancePath:instancePath+"/deployment/maximum_instance_count",schemaPath:"#/$defs/deployment/properties/maximum_instance_count/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema47.properties.maximum_instance_count,data:data40};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
}
}
if(data38.always_ready_instances !== undefined){
let data41 = data38.always_ready_instances;
if(!(((typeof data41 == "number") && (!(data41 % 1) && !isNaN(data41))) && (isFinite(data41)))){
const err65 = {instancePath:instancePath+"/deployment/always_ready_instances",schemaPath:"#/$defs/deployment/properties/always_ready_instances/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema47.properties.always_ready_instances.type,parentSchema:schema47.properties.always_ready_instances,data:data41};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
if((typeof data41 == "number") && (isFinite(data41))){
if(data41 < 0 || isNaN(data41)){
const err66 = {instancePath:instancePath+"/deployment/always_ready_instances",schemaPath:"#/$defs/deployment/properties/always_ready_instances/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema47.properties.always_ready_instances,data:data41};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
}
}
if(data38.child_memory_mb !== undefined){
let data42 = data38.child_memory_mb;
if(!(((typeof data42 == "number") && (!(data42 % 1) && !isNaN(data42))) && (isFinite(data42)))){
const err67 = {instancePath:instancePath+"/deployment/child_memory_mb",schemaPath:"#/$defs/deployment/properties/child_memory_mb/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema47.properties.child_memory_mb.type,parentSchema:schema47.properties.child_memory_mb,data:data42};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
if((typeof data42 == "number") && (isFinite(data42))){
if(data42 < 16 || isNaN(data42)){
const err68 = {instancePath:instancePath+"/deployment/child_memory_mb",schemaPath:"#/$defs/deployment/properties/child_memory_mb/minimum",keyword:"minimum",params:{comparison: ">=", limit: 16},message:"must be >= 16",schema:16,parentSchema:schema47.properties.child_memory_mb,data:data42};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
}
}
if(data38.single_instance !== undefined){
let data43 = data38.single_instance;
if(typeof data43 !== "boolean"){
const err69 = {instancePath:instancePath+"/deployment/single_instance",schemaPath:"#/$defs/deployment/properties/single_instance/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema47.properties.single_instance.type,parentSchema:schema47.properties.single_instance,data:data43};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
}
if(data38.stateful !== undefined){
let data44 = data38.stateful;
if(data44 && typeof data44 == "object" && !Array.isArray(data44)){
for(const key10 in data44){
if(!((key10 === "instance_memory_mb") || (key10 === "always_ready_instances"))){
const err70 = {instancePath:instancePath+"/deployment/stateful",schemaPath:"#/$defs/deployment/properties/stateful/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key10},message:"must NOT have additional properties",schema:false,parentSchema:schema47.properties.stateful,data:data44};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
}
if(data44.instance_memory_mb !== undefined){
let data45 = data44.instance_memory_mb;
if(!(((data45 === 512) || (data45 === 2048)) || (data45 === 4096))){
const err71 = {instancePath:instancePath+"/deployment/stateful/instance_memory_mb",schemaPath:"#/$defs/deployment/properties/stateful/properties/instance_memory_mb/enum",keyword:"enum",params:{allowedValues: schema47.properties.stateful.properties.instance_memory_mb.enum},message:"must be equal to one of the allowed values",schema:schema47.properties.stateful.properties.instance_memory_mb.enum,parentSchema:schema47.properties.stateful.properties.instance_memory_mb,data:data45};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
}
if(data44.always_ready_instances !== undefined){
let data46 = data44.always_ready_instances;
if(!((data46 === 0) || (data46 === 1))){
const err72 = {instancePath:instancePath+"/deployment/stateful/always_ready_instances",schemaPath:"#/$defs/deployment/properties/stateful/properties/always_ready_instances/enum",keyword:"enum",params:{allowedValues: schema47.properties.stateful.properties.always_ready_instances.enum},message:"must be equal to one of the allowed values",schema:schema47.properties.stateful.properties.always_ready_instances.enum,parentSchema:schema47.properties.stateful.properties.always_ready_instances,data:data46};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
}
}
else {
const err73 = {instancePath:instancePath+"/deployment/stateful",schemaPath:"#/$defs/deployment/properties/stateful/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.properties.stateful.type,parentSchema:schema47.properties.stateful,data:data44};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
}
else {
const err74 = {instancePath:instancePath+"/deployment",schemaPath:"#/$defs/deployment/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.type,parentSchema:schema47,data:data38};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
}
}
else {
const err75 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
}
validate20.errors = vErrors;
return errors === 0;
}
validate20.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};
