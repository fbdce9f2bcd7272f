using System.Text.Json;

namespace Nemo.Gateway.Responses;

/// <summary>The request's settings a response object repeats back (instructions, limits, tools, metadata…), as the client sent them.</summary>
internal sealed record ResponsesEcho(
    string? Instructions,
    long? MaxOutputTokens,
    double? Temperature,
    double? TopP,
    bool ParallelToolCalls,
    string? User,
    JsonElement Tools,
    JsonElement ToolChoice,
    JsonElement Metadata,
    JsonElement TextFormat);
