using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Sets VER_FLG_WEAK on each Vernaux entry of libstdc++.so.6 whose version string the system libstdc++ lacks, and on
// those named in AlwaysWeaken (published output and tool packages run on machines other than the one that built them).
public class WeakenMissingGlibcxx : Task
{
    [Required] public string Library { get; set; } = "";
    [Required] public string SystemLibStdCxx { get; set; } = "";
    public string AlwaysWeaken { get; set; } = "";

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        byte[] system = File.ReadAllBytes(SystemLibStdCxx);
        byte[] elf = File.ReadAllBytes(Library);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
        {
            Log.LogMessage(MessageImportance.Low, $"{Library}: not a little-endian ELF64 file, left alone");
            return true;
        }
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        var always = new HashSet<string>(AlwaysWeaken.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries));
        var weakened = new List<string>();
        for (int s = 0; s < shnum; s++)
        {
            int sh = (int)shoff + s * shentsize;
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = (int)BitConverter.ToUInt64(elf, sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int strtab = (int)BitConverter.ToUInt64(elf, (int)shoff + link * shentsize + 0x18);
            int need = offset;
            while (true)
            {
                int cnt = BitConverter.ToUInt16(elf, need + 2);
                string file = CString(elf, strtab + (int)BitConverter.ToUInt32(elf, need + 4));
                int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (int a = 0; a < cnt; a++)
                {
                    string version = CString(elf, strtab + (int)BitConverter.ToUInt32(elf, aux + 8));
                    ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                    if (file.StartsWith("libstdc++.so", StringComparison.Ordinal) && (flags & VerFlgWeak) == 0
                        && (always.Contains(version) || !Contains(system, Encoding.ASCII.GetBytes(version + "\0"))))
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                        weakened.Add(version);
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, need + 12);
                if (next == 0) break;
                need += (int)next;
            }
        }
        if (weakened.Count == 0) return true;
        string temp = Library + ".weak.tmp";
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, Library, null);
        Log.LogMessage(MessageImportance.High, $"UFT: marked {string.Join(", ", weakened)} weak in {Library} (the system libstdc++ lacks it, or the output runs elsewhere)");
        return true;
    }

    static string CString(byte[] b, int at)
    {
        int end = at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, at, end - at);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
