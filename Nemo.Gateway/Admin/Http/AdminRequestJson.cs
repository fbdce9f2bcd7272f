using System.Text.Json.Serialization;
using Nemo.Gateway.Admin.Teams;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// The admin API's request records, serialized by source generation (no reflection at run time): snake_case
/// names, strings trimmed as they are read, numbers only as JSON numbers. Each record bound through
/// <see cref="AdminBody{T}"/> is listed here.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(TrimmedStringConverter)])]
[JsonSerializable(typeof(CreateTeamRequest))]
[JsonSerializable(typeof(UpdateTeamRequest))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(long?))]
internal sealed partial class AdminRequestJson : JsonSerializerContext;
