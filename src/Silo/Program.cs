using Microsoft.Extensions.Options;
using OrleansStream.Silo;

// OrleansStream.Silo job [options]   the main job on embedded defaults (see README)
// OrleansStream.Silo silo            a cluster member configured from OrleansStream__* environment variables
// OrleansStream.Silo                  same as 'job'
try
{
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
    if (args.Length > 0 && args[0] == "silo") return await SiloHost.RunAsync(args[1..], cts.Token);
    var jobArgs = args.Length > 0 && args[0] == "job" ? args[1..] : args;
    return await new DemoJob(JobOptions.Parse(jobArgs)).RunAsync(cts.Token);
}
catch (Exception ex) when (ex is ArgumentException or OptionsValidationException)
{
    // Configuration errors name the option; print them without a stack trace.
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // The query failed (its error names the cause) or could not start: one message and a failure exit code, not an abort.
    Console.Error.WriteLine($"orleansstream: {ex.Message}");
    return 1;
}
