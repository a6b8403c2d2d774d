using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace OrleansStream.Silo;

/// <summary>
/// The job's progress bar on a terminal: epochs done out of --epochs (or, with --until-idle, a running bar with the epochs
/// and rows so far) at the bottom of the screen, while everything the job prints (the console sink's tables, the progress
/// lines) scrolls above it. Redirected output never gets here: it stays one line per event, as scripts and tests read it.
/// </summary>
internal static class JobProgress
{
    /// <summary>Runs <paramref name="wait"/> under the bar, routing <see cref="Console.Out"/> through <paramref name="terminal"/> meanwhile.</summary>
    public static async Task RunAsync(IAnsiConsole terminal, DemoJob.ProgressPrinter progress, JobOptions options, Task wait)
    {
        var original = Console.Out;
        var above = new AboveTheBar();
        Console.SetOut(above);
        try
        {
            // Until idle, how much input is left is the source's to know (its offsets are its own): the bar runs without a percentage.
            ProgressColumn[] columns = options.UntilIdle
                ? [new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn()]
                : [new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()];
            await terminal.Progress().AutoClear(false).HideCompleted(false).Columns(columns)
                .StartAsync(async context =>
                {
                    var task = context.AddTask("starting", maxValue: options.UntilIdle ? 1 : options.Epochs);
                    task.IsIndeterminate = options.UntilIdle;
                    while (true)
                    {
                        var done = await Task.WhenAny(wait, Task.Delay(TimeSpan.FromMilliseconds(100))) == wait;
                        above.WriteTo(terminal);
                        var (reports, rows) = (progress.Reports, progress.Rows);
                        task.Description = options.UntilIdle
                            ? string.Create(CultureInfo.InvariantCulture, $"until idle: {reports} epochs, {rows:N0} rows")
                            : string.Create(CultureInfo.InvariantCulture, $"epochs {Math.Min(reports, options.Epochs)}/{options.Epochs}, {rows:N0} rows");
                        task.Value = options.UntilIdle ? (done ? 1 : 0) : Math.Min(reports, options.Epochs);
                        if (!done) continue;
                        task.IsIndeterminate = false;
                        task.StopTask();
                        break;
                    }
                });
        }
        finally
        {
            Console.SetOut(original);
            above.WriteTo(terminal);
        }
        await wait;
    }

    // Collects whole lines written to the console, for the progress loop to print through the terminal's Spectre console,
    // which puts them above the bar; written from the sink's and the listener's threads straight into Spectre they would
    // race its refresh. A partial line waits for its end.
    private sealed class AboveTheBar : TextWriter
    {
        private readonly StringBuilder _line = new();
        private readonly ConcurrentQueue<string> _lines = new();

        public override Encoding Encoding => Encoding.UTF8;

        public void WriteTo(IAnsiConsole terminal)
        {
            while (_lines.TryDequeue(out var line)) terminal.Write(new Text(line));
        }

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    _lines.Enqueue(_line.Append('\n').ToString());
                    _line.Clear();
                }
                else if (value != '\r') _line.Append(value);
            }
        }

        public override void Write(string? value)
        {
            if (value is null) return;
            lock (_line)
                foreach (var c in value) Write(c);
        }

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));
    }
}
