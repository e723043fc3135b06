using System.Security.Cryptography;

namespace MetaflowAws.Sandbox.S3;

/// <summary>
/// The checksums S3 verifies on upload (x-amz-checksum-*, Content-MD5): base64 of the digest,
/// CRCs big-endian as S3 sends them. The CRCs are table-driven, reflected, as the specs define them.
/// </summary>
public static class Checksums
{
    /// <summary>The algorithms the sandbox verifies, by the suffix of their x-amz-checksum-* header.</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"];

    private static readonly uint[] Crc32Table = Table32(0xEDB88320u);
    private static readonly uint[] Crc32CTable = Table32(0x82F63B78u);
    private static readonly ulong[] Crc64NvmeTable = Table64(0x9A6C9329AC4BC9B5ul);

    /// <summary>Base64 of the named checksum of <paramref name="data"/>, or null for an algorithm we do not know.</summary>
    public static string? Compute(string algorithm, ReadOnlySpan<byte> data) => algorithm.ToLowerInvariant() switch
    {
        "crc32" => Base64(BigEndian(Crc32(data, Crc32Table))),
        "crc32c" => Base64(BigEndian(Crc32(data, Crc32CTable))),
        "crc64nvme" => Base64(BigEndian(Crc64(data))),
        "sha1" => Base64(SHA1.HashData(data)),
        "sha256" => Base64(SHA256.HashData(data)),
        "md5" => Base64(MD5.HashData(data)),
        _ => null,
    };

    /// <summary>CRC-32 (IEEE) of <paramref name="data"/> as a number: DynamoDB sends it, in decimal, as x-amz-crc32 on every response.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data) => Crc32(data, Crc32Table);

    /// <summary>The name S3 uses for the algorithm in responses and listings (CRC32, SHA256, ...).</summary>
    public static string DisplayName(string algorithm) => algorithm.ToUpperInvariant();

    private static uint Crc32(ReadOnlySpan<byte> data, uint[] table)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static ulong Crc64(ReadOnlySpan<byte> data)
    {
        var crc = ulong.MaxValue;
        foreach (var b in data) crc = Crc64NvmeTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] Table32(uint poly)
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? poly ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    private static ulong[] Table64(ulong poly)
    {
        var t = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? poly ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    private static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static byte[] BigEndian(ulong v)
    {
        var b = new byte[8];
        for (var i = 0; i < 8; i++) b[i] = (byte)(v >> (56 - 8 * i));
        return b;
    }

    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);
}
