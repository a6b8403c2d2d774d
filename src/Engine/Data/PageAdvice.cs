using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansStream.Engine.Data;

/// <summary>
/// Advice to the kernel about an array's memory (Linux <c>madvise</c>): transparent huge pages for pinned tables read at
/// random, and faulting in fresh memory at once before the caller writes all of it. Advice only: where the kernel does not
/// know it, nothing changes (and it is not given again); where it refuses once (no memory to fault in), the caller's
/// writes fault the pages in as they would without it.
/// </summary>
internal static partial class PageAdvice
{
    private const long HugePageBytes = 2 << 20;
    private const long SmallPageBytes = 4096;
    private const int MadvHugePage = 14;
    private const int MadvPopulateWrite = 23;
    private const int EInval = 22;
    private static int _hugePagesRefused;
    private static int _faultInRefused;

    /// <summary>
    /// Offers transparent huge pages (<c>MADV_HUGEPAGE</c>) for the whole 2 MB pages inside <paramref name="array"/>, which
    /// must be pinned (it must not move away from the advised memory): one TLB entry then covers 2 MB instead of 4 KB, and
    /// the first write faults a page in once per 2 MB. Give it before anything writes the array.
    /// </summary>
    public static void OfferHugePages<T>(T[] array) where T : unmanaged
    {
        // Linux on x64 or arm64: where its transparent huge pages are 2 MB.
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
            Advise(array, HugePageBytes, MadvHugePage, ref _hugePagesRefused);
    }

    /// <summary>
    /// Faults in the whole pages inside <paramref name="array"/> in one call (Linux 5.14+ <c>MADV_POPULATE_WRITE</c>), for
    /// fresh memory the caller is about to write all of: the kernel maps the pages in one pass, where the first write of each
    /// page would take a fault of its own (on this project's 2-core VM 11 µs a 4 KB page one by one, 6 µs in one call; q12's
    /// state growing from empty spent about a tenth of its throughput run's CPU in those faults). Pages already mapped stay
    /// as they are, and their content too; an array that moves afterwards (one not pinned) leaves only memory mapped early.
    /// </summary>
    public static void FaultIn<T>(T[] array) where T : unmanaged
    {
        if (OperatingSystem.IsLinux()) Advise(array, SmallPageBytes, MadvPopulateWrite, ref _faultInRefused);
    }

    private static unsafe void Advise<T>(T[] array, long pageBytes, int advice, ref int refused) where T : unmanaged
    {
        if (Volatile.Read(ref refused) != 0 || array.Length == 0) return;
        var start = (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var end = start + (long)array.Length * sizeof(T);
        var first = (start + pageBytes - 1) & ~(pageBytes - 1);
        var last = end & ~(pageBytes - 1);
        if (last <= first) return;
        try
        {
            // Only a kernel that does not know the advice (EINVAL) is not asked again; a call that failed for want of
            // memory leaves the pages to fault on first write, as without it.
            if (Madvise((nint)first, (nuint)(last - first), advice) != 0 && Marshal.GetLastPInvokeError() == EInval) Volatile.Write(ref refused, 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref refused, 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
