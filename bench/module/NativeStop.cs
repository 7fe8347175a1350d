using System;
using System.Runtime.InteropServices;

namespace Clustron.Dkv.Bench
{
    /// <summary>The baseline: one dkv_stop_store call from .NET, with the UTF-8 marshalling any caller needs.</summary>
    public static class NativeStop
    {
        private const string Library = "clustron_dkv";
        private const uint ForceFlag = 1; // DKV_STOP_FORCE
        // DkvResult: six string pointers, uint64 duration_ms, then int32 kind (include/clustron_dkv.h).
        private static readonly int KindOffset = 6 * IntPtr.Size + 8;

        public static void Bind(string libraryPath)
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeStop).Assembly, (name, assembly, path) =>
                name == Library ? NativeLibrary.Load(libraryPath) : IntPtr.Zero);
        }

        /// <summary>DkvStopOptions of include/clustron_dkv.h (96 bytes on 64-bit): sequential layout, natural
        /// alignment, exactly as the C struct.</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct DkvStopOptions
        {
            public uint StructSize;
            public uint Flags;
            public IntPtr Managers;
            public UIntPtr ManagerCount;
            public int Port;
            public int TimeoutSec;
            public IntPtr Store;
            public IntPtr Instances;
            public UIntPtr InstanceCount;
            public uint Throttle;
            public int NodeTimeoutSec;
            public IntPtr Reason;
            public IntPtr AuditLog;
            public IntPtr AuditCommand;
            public IntPtr AuditParameters;
        }

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        private static extern int dkv_stop_store(IntPtr session, ref DkvStopOptions options, out IntPtr results,
            out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        private static extern void dkv_free_results(IntPtr results);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        private static extern void dkv_free_string(IntPtr text);

        /// <summary>A forced stop of one node through one manager; throws unless exactly one SUCCESS row came back.</summary>
        public static void StopOne(string manager, string store, string instance)
        {
            IntPtr managerText = Marshal.StringToCoTaskMemUTF8(manager);
            IntPtr storeText = Marshal.StringToCoTaskMemUTF8(store);
            IntPtr instanceText = Marshal.StringToCoTaskMemUTF8(instance);
            // The two one-item arrays the options point to: pinned for the call by a GCHandle each.
            GCHandle managers = GCHandle.Alloc(new[] { managerText }, GCHandleType.Pinned);
            GCHandle instances = GCHandle.Alloc(new[] { instanceText }, GCHandleType.Pinned);
            try
            {
                var options = new DkvStopOptions
                {
                    StructSize = (uint)Marshal.SizeOf<DkvStopOptions>(),
                    Flags = ForceFlag,
                    Managers = managers.AddrOfPinnedObject(),
                    ManagerCount = (UIntPtr)1,
                    // 0: the library's default (DKV_DEFAULT_TIMEOUT_SEC), the one Stop-DkvStore's -TimeoutSec shows.
                    TimeoutSec = 0,
                    Store = storeText,
                    Instances = instances.AddrOfPinnedObject(),
                    InstanceCount = (UIntPtr)1,
                };
                int status = dkv_stop_store(IntPtr.Zero, ref options, out IntPtr results, out IntPtr error);
                if (status != 0)
                {
                    string message = Marshal.PtrToStringUTF8(error) ?? "";
                    dkv_free_string(error);
                    throw new InvalidOperationException("dkv_stop_store returned " + status + ": " + message);
                }
                try
                {
                    IntPtr items = Marshal.ReadIntPtr(results);
                    long count = (long)(ulong)Marshal.ReadIntPtr(results, IntPtr.Size);
                    int kind = count == 1 ? Marshal.ReadInt32(items, KindOffset) : -1;
                    if (count != 1 || kind != 0)
                    {
                        throw new InvalidOperationException("native stop: " + count + " rows, first kind " + kind);
                    }
                }
                finally
                {
                    dkv_free_results(results);
                }
            }
            finally
            {
                managers.Free();
                instances.Free();
                Marshal.FreeCoTaskMem(managerText);
                Marshal.FreeCoTaskMem(storeText);
                Marshal.FreeCoTaskMem(instanceText);
            }
        }
    }
}
