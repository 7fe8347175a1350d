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

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        private static extern int dkv_stop_store(IntPtr session, IntPtr[] managers, UIntPtr managerCount, int port,
            IntPtr store, IntPtr instance, uint flags, int timeoutSec, uint throttle, out IntPtr results, out IntPtr error);

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
            try
            {
                int status = dkv_stop_store(IntPtr.Zero, new[] { managerText }, (UIntPtr)1, 0, storeText, instanceText,
                    ForceFlag, 30, 0, out IntPtr results, out IntPtr error);
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
                Marshal.FreeCoTaskMem(managerText);
                Marshal.FreeCoTaskMem(storeText);
                Marshal.FreeCoTaskMem(instanceText);
            }
        }
    }
}
