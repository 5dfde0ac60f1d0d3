// A test-only MCP client in another language: the official C# SDK (ModelContextProtocol 2.4.0)
// connecting to an OAuth-protected endpoint of the adapter with the SDK's own OAuth support, listing
// the tools and calling `echo`. Run by tests/clients/run.mjs; by hand:
//
//   dotnet run --project tests/clients/csharp -- <endpoint-url> [--text hi] [--protocol-version V] [--verbose]
//
// What the SDK does (modelcontextprotocol/csharp-sdk,
// src/ModelContextProtocol.Core/Authentication/ClientOAuthProvider.cs):
//   - on a 401 it reads `resource_metadata` from WWW-Authenticate (else tries
//     /.well-known/oauth-protected-resource/<path>, then the root one), fetches the RFC 9728
//     metadata and refuses it unless its `resource` is the endpoint URL (or its bare origin)
//     (VerifyResourceMatch);
//   - it fetches the authorization server's RFC 8414 / OpenID metadata, requires `issuer` to be
//     exactly the URL named in `authorization_servers` and `code_challenge_methods_supported` to
//     hold S256 (GetAuthServerMetadataAsync);
//   - with no client id configured, it registers one (RFC 7591, PerformDynamicClientRegistrationAsync);
//   - it builds the authorization URL (client_id, redirect_uri, response_type=code, S256
//     code_challenge, state, RFC 8707 `resource`, scope) and hands it to
//     ClientOAuthOptions.AuthorizationCallbackHandler (src/ModelContextProtocol.Core/Authentication/
//     ClientOAuthOptions.cs, AuthorizationCallbackContext.cs, AuthorizationResult.cs), then checks
//     the returned `state` exactly and the RFC 9207 `iss` when present, and exchanges the code with
//     the code_verifier and `resource` at the token endpoint (ExchangeCodeForTokenAsync).
// The handler below stands in for the browser and the user: it GETs the authorization URL without
// following redirects and takes `code`, `state` and `iss` from the Location header, which is how a
// test approves automatically (the authorization server approves without a login page).
//
// Output: one JSON line on stdout, exit 0. Any failure: a message on stderr, exit 1 (2: usage).

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpOAuthClient;

internal static class Program
{
    private const string Usage =
        "usage: McpOAuthClient <endpoint-url> [--text <text>] [--protocol-version <version>] [--timeout-seconds <n>] [--verbose]";

    // Never listened on: the authorization handler reads the redirect from the Location header instead.
    private static readonly Uri RedirectUri = new("http://127.0.0.1:53682/oauth/callback");

    private static async Task<int> Main(string[] args)
    {
        Uri? endpoint = null;
        var text = "hello from the C# SDK";
        string? protocolVersion = null;
        var timeoutSeconds = 90;
        var verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--text" when i + 1 < args.Length:
                    text = args[++i];
                    break;
                case "--protocol-version" when i + 1 < args.Length:
                    protocolVersion = args[++i];
                    break;
                case "--timeout-seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], out var seconds) && seconds > 0:
                    timeoutSeconds = seconds;
                    i++;
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    if (endpoint is null && !args[i].StartsWith("--", StringComparison.Ordinal)
                        && Uri.TryCreate(args[i], UriKind.Absolute, out var parsed)
                        && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps))
                    {
                        endpoint = parsed;
                        break;
                    }
                    Console.Error.WriteLine($"csharp-client: unexpected argument \"{args[i]}\"\n{Usage}");
                    return 2;
            }
        }
        if (endpoint is null)
        {
            Console.Error.WriteLine($"csharp-client: the endpoint URL is required\n{Usage}");
            return 2;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var stopwatch = Stopwatch.StartNew();
        var trace = new HttpTrace();
        var authorizations = new List<JsonObject>();
        try
        {
            using var loggerFactory = new StderrLoggerFactory(verbose ? LogLevel.Debug : LogLevel.Warning);
            // No proxy: everything this client talks to is on loopback.
            using var httpClient = new HttpClient(new RecordingHandler(trace, new SocketsHttpHandler { UseProxy = false }));
            using var approver = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

            async Task<AuthorizationResult?> ApproveAsync(AuthorizationCallbackContext context, CancellationToken token)
            {
                using var response = await approver.GetAsync(context.AuthorizationUri, token);
                var location = response.Headers.Location;
                var status = (int)response.StatusCode;
                if (status is < 300 or > 399 || location is null)
                {
                    var body = await response.Content.ReadAsStringAsync(token);
                    throw new InvalidOperationException(
                        $"the authorization endpoint answered {status} without a redirect to {context.RedirectUri} " +
                        $"(GET {context.AuthorizationUri}): {Truncate(body, 500)}");
                }
                if (!location.IsAbsoluteUri) location = new Uri(context.AuthorizationUri, location);
                if (!location.GetLeftPart(UriPartial.Path).Equals(context.RedirectUri.GetLeftPart(UriPartial.Path), StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"the authorization endpoint redirected to {location}, not to the redirect URI {context.RedirectUri}");
                }
                var query = HttpUtility.ParseQueryString(location.Query);
                if (!string.IsNullOrEmpty(query["error"]))
                {
                    throw new InvalidOperationException(
                        $"the authorization server refused: error={query["error"]} error_description={query["error_description"]}");
                }
                var authorizationQuery = HttpUtility.ParseQueryString(context.AuthorizationUri.Query);
                authorizations.Add(new JsonObject
                {
                    ["resource"] = authorizationQuery["resource"],
                    ["scope"] = authorizationQuery["scope"],
                    ["codeChallengeMethod"] = authorizationQuery["code_challenge_method"],
                    ["issuerInRedirect"] = query["iss"],
                });
                return new AuthorizationResult { Code = query["code"], State = query["state"], Iss = query["iss"] };
            }

            var transport = new HttpClientTransport(
                new HttpClientTransportOptions
                {
                    Endpoint = endpoint,
                    Name = "mcp-stdio-functions C# test client",
                    TransportMode = HttpTransportMode.StreamableHttp,
                    OAuth = new ClientOAuthOptions
                    {
                        RedirectUri = RedirectUri,
                        AuthorizationCallbackHandler = ApproveAsync,
                        DynamicClientRegistration = new DynamicClientRegistrationOptions
                        {
                            ClientName = "mcp-stdio-functions C# test client",
                        },
                    },
                },
                httpClient,
                loggerFactory);

            var clientOptions = new McpClientOptions
            {
                ClientInfo = new Implementation { Name = "mcp-stdio-functions-csharp-test", Version = "1.0.0" },
                ProtocolVersion = protocolVersion,
            };
            await using var client = await McpClient.CreateAsync(transport, clientOptions, loggerFactory, cts.Token);

            var tools = await client.ListToolsAsync(cancellationToken: cts.Token);
            var names = tools.Select(tool => tool.Name).ToList();
            if (!names.Contains("echo"))
                throw new InvalidOperationException($"tools/list has no `echo` tool: [{string.Join(", ", names)}]");

            var result = await client.CallToolAsync(
                "echo",
                new Dictionary<string, object?> { ["text"] = text },
                cancellationToken: cts.Token);
            var echoed = string.Concat(result.Content.OfType<TextContentBlock>().Select(block => block.Text));
            if (result.IsError == true)
                throw new InvalidOperationException($"tools/call echo returned isError: {echoed}");
            if (echoed != text)
                throw new InvalidOperationException($"tools/call echo returned \"{echoed}\", expected \"{text}\"");
            if (authorizations.Count == 0)
                throw new InvalidOperationException(
                    "the endpoint was served without the SDK's OAuth flow (no authorization request was made): is it protected?");

            var line = new JsonObject
            {
                ["ok"] = true,
                ["endpoint"] = endpoint.ToString(),
                ["server"] = client.ServerInfo?.Name,
                ["protocolVersion"] = client.NegotiatedProtocolVersion,
                ["tools"] = new JsonArray(names.Select(name => (JsonNode?)JsonValue.Create(name)).ToArray()),
                ["echo"] = echoed,
                ["authorizations"] = new JsonArray(authorizations.Select(a => (JsonNode?)a).ToArray()),
                ["unauthorized"] = trace.Unauthorized,
                ["requests"] = new JsonArray(trace.Lines.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
                ["ms"] = stopwatch.ElapsedMilliseconds,
            };
            Console.Out.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            return 0;
        }
        catch (Exception error)
        {
            var reason = cts.IsCancellationRequested && error is OperationCanceledException
                ? $"timed out after {timeoutSeconds} s"
                : Describe(error);
            Console.Error.WriteLine($"csharp-client: FAILED against {endpoint}: {reason}");
            Console.Error.WriteLine("csharp-client: HTTP requests made: " + (trace.Lines.Count == 0 ? "none" : string.Join(" | ", trace.Lines)));
            if (verbose) Console.Error.WriteLine(error);
            return 1;
        }
    }

    private static string Describe(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
            parts.Add($"{e.GetType().Name}: {e.Message}");
        return string.Join(" <- ", parts);
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max] + "...";

    /// <summary>What the SDK's HttpClient sent and got, without headers or bodies (no token is printed).</summary>
    private sealed class HttpTrace
    {
        private readonly object _gate = new();
        public List<string> Lines { get; } = [];
        public int Unauthorized { get; private set; }

        public void Add(HttpRequestMessage request, HttpStatusCode? status, string? failure)
        {
            lock (_gate)
            {
                if (status == HttpStatusCode.Unauthorized) Unauthorized++;
                var bearer = request.Headers.Authorization?.Scheme is { } scheme ? $" [{scheme}]" : "";
                Lines.Add($"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}{bearer} -> {(status is { } s ? ((int)s).ToString() : failure)}");
            }
        }
    }

    private sealed class RecordingHandler(HttpTrace trace, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                trace.Add(request, response.StatusCode, null);
                return response;
            }
            catch (Exception error)
            {
                trace.Add(request, null, error.GetType().Name);
                throw;
            }
        }
    }

    /// <summary>The SDK's log lines on stderr (Microsoft.Extensions.Logging.Abstractions only; no console package).</summary>
    private sealed class StderrLoggerFactory(LogLevel minimum) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName, minimum);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private sealed class StderrLogger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Console.Error.WriteLine($"csharp-client: [{logLevel}] {category}: {formatter(state, exception)}" + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})"));
        }
    }
}
