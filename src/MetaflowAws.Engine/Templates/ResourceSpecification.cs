using System.IO.Compression;
using System.Text.Json;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// The CloudFormation resource specification: every resource type with its property names
/// (required flag, replacement on change) and Fn::GetAtt attribute names. Read from the
/// <c>db.json.gz</c> of the npm package <c>@aws-cdk/aws-service-spec</c> (pinned in package.json).
/// </summary>
public sealed class ResourceSpecification
{
    /// <summary>Where <c>npm ci</c> puts the specification, relative to the folder holding package.json.</summary>
    public const string PackageRelativePath = "node_modules/@aws-cdk/aws-service-spec/db.json.gz";

    private readonly Dictionary<string, ResourceTypeSpecification> _types;

    private ResourceSpecification(Dictionary<string, ResourceTypeSpecification> types, string source)
    {
        _types = types;
        Source = source;
    }

    /// <summary>The file the specification was read from.</summary>
    public string Source { get; }

    public IReadOnlyDictionary<string, ResourceTypeSpecification> ResourceTypes => _types;

    /// <summary>The type's specification, or null when the specification does not know the type.</summary>
    public ResourceTypeSpecification? Find(string typeName) => _types.GetValueOrDefault(typeName);

    public static ResourceSpecification Load(string path, bool corrected = true)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Load(file, path, corrected);
    }

    /// <summary>An attribute the specification lists for a type and CloudFormation refuses in Fn::GetAtt, with the evidence.</summary>
    public sealed record AttributeCorrection(string Type, string Attribute, string Evidence, string Instead);

    private static IReadOnlyList<AttributeCorrection>? _corrections;

    /// <summary>
    /// Where the specification disagrees with CloudFormation (Templates/specification-corrections.json, embedded):
    /// names it lists that CloudFormation's registry schemas do not have. A template uses what both accept.
    /// </summary>
    public static IReadOnlyList<AttributeCorrection> Corrections => _corrections ??= ReadCorrections();

    private static IReadOnlyList<AttributeCorrection> ReadCorrections()
    {
        using var stream = typeof(ResourceSpecification).Assembly.GetManifestResourceStream("MetaflowAws.Engine.specification-corrections.json")
            ?? throw new InvalidOperationException("The engine lacks its embedded specification-corrections.json.");
        using var doc = JsonDocument.Parse(stream);
        return doc.RootElement.GetProperty("attributes").EnumerateArray()
            .Select(a => new AttributeCorrection(a.GetProperty("type").GetString()!, a.GetProperty("attribute").GetString()!,
                a.GetProperty("evidence").GetString()!, a.GetProperty("instead").GetString()!))
            .ToList();
    }

    private static void Correct(Dictionary<string, ResourceTypeSpecification> types)
    {
        foreach (var group in Corrections.GroupBy(c => c.Type))
        {
            if (!types.TryGetValue(group.Key, out var spec)) continue;
            var attributes = spec.Attributes.Except(group.Select(c => c.Attribute), StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
            types[group.Key] = new ResourceTypeSpecification(spec.TypeName, spec.Properties, attributes, spec.RequiredTransform);
        }
    }

    /// <summary>Reads the specification; unless <paramref name="corrected"/> is false, without the names <see cref="Corrections"/> lists.</summary>
    public static ResourceSpecification Load(Stream gzipped, string source, bool corrected = true)
    {
        using var json = new GZipStream(gzipped, CompressionMode.Decompress, leaveOpen: true);
        try
        {
            var types = new SpecReader(json).ReadResourceTypes();
            if (corrected) Correct(types);
            return new ResourceSpecification(types, source);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source} is not a readable resource specification: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The specification installed by <c>npm ci</c> in <paramref name="startDirectory"/> or the nearest
    /// folder above it that has one; null when there is none.
    /// </summary>
    public static string? FindDefault(string startDirectory)
    {
        for (var dir = new DirectoryInfo(startDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, PackageRelativePath);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Loads <see cref="FindDefault"/>'s file, or says how to install it.</summary>
    public static ResourceSpecification LoadDefault(string startDirectory)
        => Load(FindDefault(startDirectory) ?? throw new FileNotFoundException(
            $"The CloudFormation resource specification ({PackageRelativePath}) was not found in {startDirectory} or any folder above it. " +
            "Run `npm ci` in the repository root: package.json pins @aws-cdk/aws-service-spec."));

    /// <summary>
    /// Reads the resource entities straight off the decompressing stream and stops after them: they are
    /// the first third of a 15 MB document, and the rest (regions, metrics, type definitions) is not needed.
    /// </summary>
    private sealed class SpecReader(Stream stream)
    {
        private byte[] _buffer = new byte[1 << 17];
        private int _length;
        private bool _final;

        public Dictionary<string, ResourceTypeSpecification> ReadResourceTypes()
        {
            Fill(0);
            var reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), _final, default);
            var types = new Dictionary<string, ResourceTypeSpecification>(2048, StringComparer.Ordinal);

            // { "schema": { "resource": { "entities": [ ... ] } } }, other members skipped.
            ExpectNext(ref reader, JsonTokenType.StartObject);
            if (!FindMember(ref reader, "schema"u8)) throw Malformed("no schema member");
            ExpectNext(ref reader, JsonTokenType.StartObject);
            if (!FindMember(ref reader, "resource"u8)) throw Malformed("no schema.resource member");
            ExpectNext(ref reader, JsonTokenType.StartObject);
            if (!FindMember(ref reader, "entities"u8)) throw Malformed("no schema.resource.entities member");
            ExpectNext(ref reader, JsonTokenType.StartArray);
            while (Next(ref reader) && reader.TokenType == JsonTokenType.StartObject)
            {
                var type = ReadEntity(ref reader);
                types[type.TypeName] = type;
            }
            if (reader.TokenType != JsonTokenType.EndArray) throw Malformed("schema.resource.entities is not an array of objects");
            if (types.Count == 0) throw Malformed("no resource types");
            return types;
        }

        private ResourceTypeSpecification ReadEntity(ref Utf8JsonReader reader)
        {
            string? typeName = null, transform = null;
            var properties = new Dictionary<string, PropertySpecification>(StringComparer.Ordinal);
            var attributes = new HashSet<string>(StringComparer.Ordinal);
            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals("cloudFormationType"u8)) typeName = ReadString(ref reader);
                else if (reader.ValueTextEquals("cloudFormationTransform"u8)) transform = ReadString(ref reader);
                else if (reader.ValueTextEquals("properties"u8))
                {
                    ExpectNext(ref reader, JsonTokenType.StartObject);
                    while (NextMember(ref reader))
                    {
                        var name = reader.GetString()!;
                        properties[name] = ReadProperty(ref reader, name);
                    }
                }
                else if (reader.ValueTextEquals("attributes"u8))
                {
                    ExpectNext(ref reader, JsonTokenType.StartObject);
                    while (NextMember(ref reader))
                    {
                        attributes.Add(reader.GetString()!);
                        SkipValue(ref reader);
                    }
                }
                else SkipValue(ref reader);
            }
            return new ResourceTypeSpecification(
                typeName ?? throw Malformed("a resource entity has no cloudFormationType"), properties, attributes, transform);
        }

        private PropertySpecification ReadProperty(ref Utf8JsonReader reader, string name)
        {
            var required = false;
            var replacement = ReplacementOnChange.None;
            ExpectNext(ref reader, JsonTokenType.StartObject);
            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals("required"u8))
                {
                    Next(ref reader);
                    required = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("causesReplacement"u8))
                {
                    replacement = ReadString(ref reader) switch
                    {
                        "yes" => ReplacementOnChange.Always,
                        "maybe" => ReplacementOnChange.Conditional,
                        _ => ReplacementOnChange.None,
                    };
                }
                else SkipValue(ref reader);
            }
            return new PropertySpecification(name, required, replacement);
        }

        /// <summary>Moves to the next member name of the current object; false at its end.</summary>
        private bool NextMember(ref Utf8JsonReader reader)
        {
            Next(ref reader);
            return reader.TokenType switch
            {
                JsonTokenType.PropertyName => true,
                JsonTokenType.EndObject => false,
                _ => throw Malformed($"expected a member name, found {reader.TokenType}"),
            };
        }

        private bool FindMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
        {
            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals(name)) return true;
                SkipValue(ref reader);
            }
            return false;
        }

        private string? ReadString(ref Utf8JsonReader reader)
        {
            Next(ref reader);
            return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }

        private void ExpectNext(ref Utf8JsonReader reader, JsonTokenType expected)
        {
            if (!Next(ref reader) || reader.TokenType != expected)
                throw Malformed($"expected {expected}, found {reader.TokenType}");
        }

        /// <summary>Skips the value of the member name the reader is on.</summary>
        private void SkipValue(ref Utf8JsonReader reader)
        {
            // TrySkip does it in one go when the whole value is in the buffer; otherwise walk it token by
            // token, refilling as we go.
            if (reader.TrySkip()) return;
            Next(ref reader);
            if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return;
            var depth = reader.CurrentDepth;
            while (Next(ref reader) && reader.CurrentDepth > depth) { }
        }

        /// <summary>Reader.Read(), refilling the buffer from the stream when a token is cut at its end.</summary>
        private bool Next(ref Utf8JsonReader reader)
        {
            while (!reader.Read())
            {
                if (_final) throw Malformed("the document ends early");
                var consumed = (int)reader.BytesConsumed;
                var kept = _length - consumed;
                if (consumed == 0) Array.Resize(ref _buffer, _buffer.Length * 2); // one token larger than the buffer
                else Buffer.BlockCopy(_buffer, consumed, _buffer, 0, kept);
                Fill(kept);
                reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), _final, reader.CurrentState);
            }
            return true;
        }

        private void Fill(int kept)
        {
            _length = kept;
            while (_length < _buffer.Length)
            {
                var n = stream.Read(_buffer, _length, _buffer.Length - _length);
                if (n == 0)
                {
                    _final = true;
                    return;
                }
                _length += n;
            }
        }

        private static InvalidDataException Malformed(string what) => new($"Unexpected resource specification layout: {what}.");
    }
}
