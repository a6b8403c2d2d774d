using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Tests.Data;

public class PageAdviceTests
{
    private const int PageBytes = 4096;

    // Fresh memory faulted in by FaultIn takes no page fault when it is then written; the same memory not faulted in takes
    // one per page. Both arrays are fresh: large, allocated side by side, so the heap cannot hand out memory it mapped before.
    // Where the kernel gives every mapping huge pages (transparent huge pages "always"), plain memory faults once per 2 MB
    // too, and there is no difference to show; a kernel before 5.14 has no fault-in to give.
    [Fact]
    public void Fresh_memory_faulted_in_is_written_without_page_faults()
    {
        if (!OperatingSystem.IsLinux() || Environment.OSVersion.Version < new Version(5, 14) || HugePagesForEveryMapping()) return;
        const int bytes = 64 << 20;
        var plain = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        var faultedIn = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);

        var plainFaults = FaultsWhileWriting(plain);
        PageAdvice.FaultIn(faultedIn);
        var faultedInFaults = FaultsWhileWriting(faultedIn);

        Assert.True(plainFaults > bytes / PageBytes / 2, $"writing fresh memory took {plainFaults} faults for {bytes / PageBytes} pages");
        Assert.True(faultedInFaults < bytes / PageBytes / 50, $"writing memory faulted in took {faultedInFaults} faults for {bytes / PageBytes} pages");
        GC.KeepAlive(plain);
    }

    [Fact]
    public void Faulting_in_keeps_what_the_memory_holds()
    {
        var array = GC.AllocateUninitializedArray<long>(1 << 20, pinned: true);
        for (var i = 0; i < array.Length; i++) array[i] = i * 3L;
        PageAdvice.FaultIn(array);
        PageAdvice.FaultIn(System.Array.Empty<long>());
        for (var i = 0; i < array.Length; i++) Assert.Equal(i * 3L, array[i]);
    }

    private static bool HugePagesForEveryMapping()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        return File.Exists(setting) && File.ReadAllText(setting).Contains("[always]", StringComparison.Ordinal);
    }

    // Page faults of this thread while it writes one byte in every page.
    private static long FaultsWhileWriting(byte[] array)
    {
        var before = MinorFaultsOfThisThread();
        for (var i = 0; i < array.Length; i += PageBytes) array[i] = 1;
        return MinorFaultsOfThisThread() - before;
    }

    // Field 10 of /proc/thread-self/stat (minflt), counted after the command name's closing parenthesis.
    private static long MinorFaultsOfThisThread()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }
}
