using System.Net;
using System.Text.RegularExpressions;

namespace Tern.Broker.Tests.Operations;

/// <summary>docs/openapi.yaml describes what the broker serves: every documented operation answers (not with "no such endpoint").</summary>
public sealed partial class OpenApiDocumentTests
{
    [Fact]
    public async Task Every_operation_in_docs_openapi_yaml_answers()
    {
        var operations = ReadOperations();
        Assert.True(operations.Count >= 13, $"expected the documented operations, found {operations.Count}");
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();

        foreach (var (method, path) in operations)
        {
            string concrete = ParameterPattern().Replace(path, "x");
            using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), new Uri(concrete, UriKind.Relative));
            if (method == "post")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();

            Assert.True(response.StatusCode != HttpStatusCode.MethodNotAllowed && !body.Contains("no such endpoint", StringComparison.Ordinal) && (response.StatusCode != HttpStatusCode.NotFound || body.Contains("\"error\"", StringComparison.Ordinal)), $"{method.ToUpperInvariant()} {concrete}: {(int)response.StatusCode} {body}");
        }
    }

    [Fact]
    public void Every_admin_endpoint_is_documented()
    {
        var documented = ReadOperations().Select(o => $"{o.Method} {o.Path}").ToHashSet();
        string[] served =
        [
            "get /api/v1/clients", "get /api/v1/clients/{id}", "delete /api/v1/clients/{id}", "get /api/v1/sessions",
            "delete /api/v1/sessions/{id}", "get /api/v1/subscriptions", "get /api/v1/retained", "delete /api/v1/retained/{topic}",
            "post /api/v1/publish", "post /api/v1/reload", "get /metrics", "get /healthz", "get /readyz",
        ];

        Assert.Equal([], served.Except(documented));
    }

    /// <summary>The (method, path) pairs under <c>paths:</c>, read by indentation (two spaces for a path, four for a method).</summary>
    private static List<(string Method, string Path)> ReadOperations()
    {
        string file = FindRepositoryFile("docs/openapi.yaml");
        var operations = new List<(string, string)>();
        string? path = null;
        bool inPaths = false;
        foreach (string line in File.ReadLines(file))
        {
            if (!line.StartsWith(' ') && line.Length > 0)
            {
                inPaths = line == "paths:";
                continue;
            }

            if (!inPaths)
            {
                continue;
            }

            if (line.StartsWith("  /", StringComparison.Ordinal))
            {
                path = line.Trim().TrimEnd(':');
            }
            else if (path is not null && MethodLine().Match(line) is { Success: true } match)
            {
                operations.Add((match.Groups[1].Value, path));
            }
        }

        return operations;
    }

    private static string FindRepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^    (get|post|delete|put|patch):\s*$")]
    private static partial Regex MethodLine();

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex ParameterPattern();
}
