using OrleansStream.Silo;

// OrleansStream.Silo job [options]   the main job on embedded defaults (see README)
// OrleansStream.Silo                  same as 'job'
try
{
    var args2 = args.Length > 0 && args[0] == "job" ? args[1..] : args;
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
    return await new DemoJob(JobOptions.Parse(args2)).RunAsync(cts.Token);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
