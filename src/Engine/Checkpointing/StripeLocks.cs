using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// The file system checkpoint store's key stripes: a lock in the process (one holder per store instance) and an exclusive
/// lock file across processes and store instances. On Linux each stripe's file is opened once and kept, and taking the
/// stripe is one flock(LOCK_EX | LOCK_NB) on it, giving it back one flock(LOCK_UN): opening, locking and closing the file
/// per store operation cost a path lookup, a file object and three system calls more (1.4% of q12's samples). A lock
/// taken by flock belongs to the open file, not to the process, so two store instances in one process exclude each other
/// as two processes do, and the kernel gives it back when its holder dies. It is the lock .NET takes for
/// <see cref="FileShare.None"/> on Linux, which a process of an earlier version still takes, so the two exclude each other
/// too. Elsewhere the file is opened with <see cref="FileShare.None"/> per operation, as before. The kept files close when
/// the store is disposed (a process that starts and stops silos must not keep 256 descriptors per store it let go); a
/// store used after that opens the file per operation, as elsewhere. The store never deletes them, so a kept file is
/// always the one at its path.
/// </summary>
internal sealed partial class StripeLocks : IDisposable
{
    private const int Exclusive = 2, NonBlocking = 4, Unlock = 8;
    private const int WouldBlock = 11, Interrupted = 4;
    // The wait for a lock another process holds: 2,000 tries 5 ms apart, as before.
    private const int Attempts = 2000;

    private readonly string _directory;
    private readonly SemaphoreSlim[] _gates;
    private readonly SafeFileHandle?[] _files;
    private volatile bool _disposed;

    public StripeLocks(string directory, int stripes)
    {
        _directory = directory;
        _gates = Enumerable.Range(0, stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
        _files = new SafeFileHandle?[stripes];
    }

    /// <summary>The lock file of <paramref name="stripe"/>.</summary>
    public string PathOf(int stripe) => Path.Combine(_directory, stripe.ToString("x2", CultureInfo.InvariantCulture) + ".lock");

    /// <summary>Takes <paramref name="stripe"/> in the process and across processes; disposing the result gives it back.</summary>
    /// <exception cref="IOException">Another process held the stripe for the whole wait, or the lock file failed.</exception>
    public async Task<IDisposable> AcquireAsync(int stripe, CancellationToken ct)
    {
        var gate = _gates[stripe];
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return OperatingSystem.IsLinux() && !_disposed
                ? await LockKeptAsync(stripe, gate, ct).ConfigureAwait(false)
                : await OpenExclusiveAsync(stripe, gate, ct).ConfigureAwait(false);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    // Under the stripe's gate, so the kept handle has one user at a time.
    private async Task<IDisposable> LockKeptAsync(int stripe, SemaphoreSlim gate, CancellationToken ct)
    {
        // A file closed after an unlock failed is opened again.
        // Opened by the C library (RecordFiles): .NET would take a shared flock on a file opened for writing and shared, and keep it.
        if (_files[stripe] is not { IsClosed: false } file) _files[stripe] = file = RecordFiles.OpenOrCreateUnlocked(PathOf(stripe));
        for (int attempt = 0; ; attempt++)
        {
            if (Flock(file, Exclusive | NonBlocking) == 0) return new Held(this, gate, file);
            var error = Marshal.GetLastPInvokeError();
            if (error == Interrupted) continue;
            if (error != WouldBlock) throw new IOException($"Could not lock '{PathOf(stripe)}': {Marshal.GetPInvokeErrorMessage(error)}.");
            if (attempt >= Attempts) throw new IOException($"The checkpoint lock '{PathOf(stripe)}' is held by another process.");
            await Task.Delay(5, ct).ConfigureAwait(false);
        }
    }

    private async Task<IDisposable> OpenExclusiveAsync(int stripe, SemaphoreSlim gate, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new Opened(gate, new FileStream(PathOf(stripe), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (attempt < Attempts)
            {
                await Task.Delay(5, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes the kept lock files; the file of a stripe held now closes when its holder gives it back.</summary>
    public void Dispose()
    {
        _disposed = true;
        // Each file under its stripe's gate: a holder's unlock must not meet a closed file.
        for (int stripe = 0; stripe < _files.Length; stripe++)
        {
            if (_files[stripe] is null || !_gates[stripe].Wait(0)) continue;
            _files[stripe]!.Dispose();
            _files[stripe] = null;
            _gates[stripe].Release();
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    // A kept lock file's stripe: unlocked, the file stays open.
    private sealed class Held(StripeLocks owner, SemaphoreSlim gate, SafeFileHandle file) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            // Closing the file unlocks it too: an unlock that failed must not leave a lock no one can take (the next holder
            // in this store opens the file again). A store disposed while this was held no longer keeps it.
            if (Flock(file, Unlock) != 0 || owner._disposed) file.Dispose();
            gate.Release();
        }
    }

    private sealed class Opened(SemaphoreSlim gate, FileStream lockFile) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            lockFile.Dispose();
            gate.Release();
        }
    }
}
