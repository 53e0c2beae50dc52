// Conformance fixture: the real queue trigger (WebJobs SDK + Microsoft.Azure.WebJobs.Extensions.Storage.Queues)
// with one queue-triggered function that records every delivery and fails or sleeps on demand. The
// conformance test (test/conformance/queueConformance.test.ts) plays the same scenarios against this
// program and against the local host (dev/host), on the same Azurite, and compares the records.
//
// Environment:
//   AzureWebJobsStorage        connection string (Azurite)
//   CONFORMANCE_QUEUE          queue the function listens on
//   CONFORMANCE_HOST_JSON      path of a host.json; its `extensions.queues` section configures the
//                              extension through the same configuration binder the Functions host uses
//   CONFORMANCE_RECORD         file to append the JSON-lines records to
//   CONFORMANCE_SHUTDOWN_MS    graceful shutdown timeout of the host (ms, default 30000)
//   CONFORMANCE_OPTIONS_CASES  instead of running: a JSON array of `extensions.queues` sections; records
//                              for each the QueuesOptions the extension binds from it, or that it refuses it
//
// Message body (JSON, optional): {"tag": string, "fail": N, "sleepMs": M}: the function sleeps M ms,
// then throws while the dequeue count is <= N (N = -1 or absent: never fails; a large N: always fails).
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QueueConformance;

public static class Program
{
    public static async Task<int> Main()
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set");
        var cases = Environment.GetEnvironmentVariable("CONFORMANCE_OPTIONS_CASES");
        if (cases is not null) return CheckOptions(cases);

        var hostJson = JsonNode.Parse(File.ReadAllText(Env("CONFORMANCE_HOST_JSON")))!;
        var shutdownMs = int.TryParse(Environment.GetEnvironmentVariable("CONFORMANCE_SHUTDOWN_MS"), out var ms) ? ms : 30_000;
        var host = BuildHost(hostJson["extensions"]?["queues"]?.ToJsonString() ?? "{}", shutdownMs);
        var options = host.Services.GetRequiredService<IOptions<QueuesOptions>>().Value;
        await host.StartAsync();
        Recorder.Write(new JsonObject { ["event"] = "ready", ["options"] = Describe(options) });
        await host.WaitForShutdownAsync();
        Recorder.Write(new JsonObject { ["event"] = "stopped" });
        return 0;
    }

    /// <summary>A WebJobs host with the Storage Queues extension configured from a host.json `extensions.queues` section.</summary>
    private static IHost BuildHost(string queuesSection, int shutdownMs)
    {
        // The Functions host maps host.json `extensions.queues` onto the extension's QueuesOptions with
        // the configuration binder; the WebJobs SDK binds the same options from `AzureWebJobs:Extensions:Queues`.
        var config = $"{{\"AzureWebJobs\":{{\"Extensions\":{{\"Queues\":{queuesSection}}}}}}}";
        return new HostBuilder()
            .ConfigureAppConfiguration(c =>
            {
                c.AddEnvironmentVariables();
                c.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(config)));
            })
            .ConfigureWebJobs(b => b.AddAzureStorageQueues())
            .ConfigureLogging(l => l.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(shutdownMs)))
            .UseConsoleLifetime()
            .Build();
    }

    private static JsonObject Describe(QueuesOptions options) => new()
    {
        ["batchSize"] = options.BatchSize,
        ["newBatchThreshold"] = options.NewBatchThreshold,
        ["maxDequeueCount"] = options.MaxDequeueCount,
        ["visibilityTimeoutMs"] = options.VisibilityTimeout.TotalMilliseconds,
        ["maxPollingIntervalMs"] = options.MaxPollingInterval.TotalMilliseconds,
        ["messageEncoding"] = options.MessageEncoding.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// For each `extensions.queues` section of the JSON array in the file `path`, records the options
    /// the extension ends up with, or that it refuses the section (the host would not start).
    /// </summary>
    private static int CheckOptions(string path)
    {
        foreach (var section in JsonNode.Parse(File.ReadAllText(path))!.AsArray())
        {
            var record = new JsonObject { ["event"] = "options", ["section"] = section!.ToJsonString() };
            try
            {
                using var host = BuildHost(section.ToJsonString(), 30_000);
                record["options"] = Describe(host.Services.GetRequiredService<IOptions<QueuesOptions>>().Value);
            }
            catch (Exception e)
            {
                record["refused"] = (e.InnerException ?? e).GetType().Name;
            }
            Recorder.Write(record);
        }
        return 0;
    }
}

/// <summary>Appends one JSON object per line to CONFORMANCE_RECORD (or stdout), thread-safe.</summary>
public static class Recorder
{
    private static readonly object Gate = new();
    private static readonly string? File_ = Environment.GetEnvironmentVariable("CONFORMANCE_RECORD");

    public static void Write(JsonObject record)
    {
        record["at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var line = record.ToJsonString() + "\n";
        lock (Gate)
        {
            if (File_ is null) Console.Out.Write(line);
            else File.AppendAllText(File_, line);
        }
    }
}

public class Functions
{
    /// <summary>
    /// The queue-triggered function. Binding data names are those of the extension's trigger
    /// (QueueTriggerBindingDataProvider): Id, DequeueCount, InsertionTime, ExpirationTime, NextVisibleTime, PopReceipt.
    /// </summary>
    public static async Task Recorder_([QueueTrigger("%CONFORMANCE_QUEUE%")] string message,
        string id, long dequeueCount, DateTimeOffset insertionTime, DateTimeOffset expirationTime,
        DateTimeOffset nextVisibleTime, string popReceipt, CancellationToken cancellationToken)
    {
        string? tag = null;
        long fail = -1;
        int sleepMs = 0;
        try
        {
            if (JsonNode.Parse(message) is JsonObject o)
            {
                tag = o["tag"]?.GetValue<string>();
                fail = o["fail"]?.GetValue<long>() ?? -1;
                sleepMs = o["sleepMs"]?.GetValue<int>() ?? 0;
            }
        }
        catch (JsonException) { }

        JsonObject Common(string ev) => new()
        {
            ["event"] = ev,
            ["tag"] = tag,
            ["id"] = id,
            ["dequeueCount"] = dequeueCount,
            ["insertionTime"] = insertionTime.ToUnixTimeMilliseconds(),
            ["expirationTime"] = expirationTime.ToUnixTimeMilliseconds(),
            ["nextVisibleTime"] = nextVisibleTime.ToUnixTimeMilliseconds(),
            ["popReceipt"] = popReceipt,
        };
        var start = Common("start");
        start["body"] = message;
        Recorder.Write(start);
        // The sleep ignores the cancellation token on purpose: a Node.js function cannot observe one,
        // so both hosts run the same function; the record says whether cancellation was requested.
        if (sleepMs > 0) await Task.Delay(sleepMs);
        var failed = dequeueCount <= fail;
        var end = Common("end");
        end["outcome"] = failed ? "failed" : "succeeded";
        end["cancellationRequested"] = cancellationToken.IsCancellationRequested;
        Recorder.Write(end);
        if (failed) throw new InvalidOperationException($"fixture failure (delivery {dequeueCount} of fail {fail})");
    }
}
