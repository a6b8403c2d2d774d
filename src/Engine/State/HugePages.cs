using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansStream.Engine.State;

/// <summary>
/// Offers a pinned array's memory transparent huge pages (Linux <c>madvise(MADV_HUGEPAGE)</c> on the whole 2 MB pages it
/// spans), for tables read at random: one TLB entry then covers 2 MB instead of 4 KB, and the first write faults a page in
/// once per 2 MB. Advice only: where the kernel has no transparent huge pages, or refuses, nothing changes.
/// </summary>
internal static partial class HugePages
{
    private const long PageBytes = 2 << 20;
    private const int MadvHugePage = 14;
    private static int _failed;   // set once madvise refused: later arrays are not offered again

    /// <summary>True where the advice can be given (Linux on x64 or arm64, not refused before).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 && Volatile.Read(ref _failed) == 0;

    /// <summary>Advises huge pages for the whole 2 MB pages inside <paramref name="array"/>, which must be pinned (it must
    /// not move away from the advised memory).</summary>
    public static unsafe void Advise<T>(T[] array) where T : unmanaged
    {
        if (!Supported || array.Length == 0) return;
        var start = (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var end = start + (long)array.Length * sizeof(T);
        var first = (start + PageBytes - 1) & ~(PageBytes - 1);
        var last = end & ~(PageBytes - 1);
        if (last <= first) return;
        try
        {
            if (Madvise((nint)first, (nuint)(last - first), MadvHugePage) != 0) Volatile.Write(ref _failed, 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref _failed, 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
