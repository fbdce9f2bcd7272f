using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The fields of a chat completion request the fake uses; the rest is skipped.</summary>
internal sealed class ChatCompletionRequest
{
    public string Model { get; private set; } = "";

    public int? MaxTokens { get; private set; }

    public bool Stream { get; private set; }

    public bool IncludeUsage { get; private set; }

    public string? User { get; private set; }

    /// <summary>The text of the last message whose role is user (string content, or its text parts joined): what the echo model answers.</summary>
    public string LastUserText { get; private set; } = "";

    /// <summary>Sum over messages of ceil(text bytes / 4) + 3, at least 1.</summary>
    public int PromptTokens { get; private set; }

    /// <summary>The messages and tool definitions as sent, for <see cref="OpenAITokenAccounting"/>.</summary>
    private JsonElement _messages;
    private JsonElement? _tools;

    /// <summary>The prompt tokens under the request's settings: <see cref="PromptTokens"/>, or a real model's count.</summary>
    public int PromptTokensFor(FakeRequestSettings settings) =>
        OpenAITokenAccounting.TryGet(settings.PromptTokenizer, out var accounting) ? accounting.CountChat(_messages, _tools) : PromptTokens;

    public static ChatCompletionRequest Parse(ref Utf8JsonReader reader)
    {
        var request = new ChatCompletionRequest();
        string? model = null;
        int? maxTokens = null;
        int? maxCompletionTokens = null;
        var messages = -1;
        long promptTokens = 0;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = JsonFields.ReadString(ref reader, "model");
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                var copy = reader;
                request._messages = JsonElement.ParseValue(ref copy);
                messages = ReadMessages(ref reader, out promptTokens, out var lastUser);
                request.LastUserText = lastUser;
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                reader.Read();
                maxTokens = JsonFields.ReadMaxTokens(ref reader, "max_tokens");
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                reader.Read();
                maxCompletionTokens = JsonFields.ReadMaxTokens(ref reader, "max_completion_tokens");
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                request.Stream = JsonFields.ReadBool(ref reader, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                request.IncludeUsage = JsonFields.ReadIncludeUsage(ref reader);
            }
            else if (reader.ValueTextEquals("models"u8))
            {
                // OpenAI refuses arguments it doesn't know; models is OpenRouter's (a gateway must not forward it).
                throw new FakeRequestException("Unrecognized request argument supplied: models", "models");
            }
            else if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8))
            {
                reader.Read();
                request._tools = JsonElement.ParseValue(ref reader);
            }
            else if (reader.ValueTextEquals("user"u8))
            {
                reader.Read();
                request.User = JsonFields.ReadString(ref reader, "user");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (string.IsNullOrEmpty(model))
        {
            throw new FakeRequestException("You must provide a model parameter.", "model");
        }

        if (messages < 0)
        {
            throw JsonFields.Missing("messages");
        }

        if (messages == 0)
        {
            throw new FakeRequestException(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                "messages");
        }

        request.Model = model;
        request.MaxTokens = maxTokens is null ? maxCompletionTokens
            : maxCompletionTokens is null ? maxTokens
            : Math.Min(maxTokens.Value, maxCompletionTokens.Value);
        request.PromptTokens = (int)Math.Clamp(promptTokens, 1, int.MaxValue);
        return request;
    }

    /// <summary>Reads the messages array; returns how many there were (-1 for null).</summary>
    private static int ReadMessages(ref Utf8JsonReader reader, out long promptTokens, out string lastUser)
    {
        promptTokens = 0;
        lastUser = "";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return -1;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw JsonFields.WrongType("messages", "an array");
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw JsonFields.WrongType($"messages[{count}]", "an object");
            }

            var text = new System.Text.StringBuilder();
            promptTokens += TokenEstimate.ForUtf8Bytes(ReadMessageTextBytes(ref reader, text, out var isUser)) + TokenEstimate.PerMessage;
            if (isUser)
            {
                lastUser = text.ToString();
            }

            count++;
        }

        return count;
    }

    /// <summary>UTF-8 bytes of a message's content: the string, or the text of its parts.</summary>
    private static long ReadMessageTextBytes(ref Utf8JsonReader reader, System.Text.StringBuilder text, out bool isUser)
    {
        long bytes = 0;
        isUser = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isContent = reader.ValueTextEquals("content"u8);
            var isRole = reader.ValueTextEquals("role"u8);
            reader.Read();
            if (isRole && reader.TokenType == JsonTokenType.String)
            {
                isUser = reader.ValueTextEquals("user"u8);
            }
            else if (!isContent)
            {
                reader.Skip();
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                bytes += JsonFields.Utf8Length(ref reader);
                text.Append(ReadText(ref reader));
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                bytes += ReadPartsTextBytes(ref reader, text);
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                throw JsonFields.WrongType("messages[].content", "a string or an array of content parts");
            }
        }

        return bytes;
    }

    private static long ReadPartsTextBytes(ref Utf8JsonReader reader, System.Text.StringBuilder text)
    {
        long bytes = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                bytes += JsonFields.Utf8Length(ref reader);
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    bytes += JsonFields.Utf8Length(ref reader);
                    text.Append(ReadText(ref reader));
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return bytes;
    }

    /// <summary>A string's text; one with a lone surrogate escape (which System.Text.Json refuses) reads as U+FFFD there.</summary>
    private static string ReadText(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            var copy = reader;
            return OpenAITokenAccounting.Unescape(JsonElement.ParseValue(ref copy));
        }
    }
}
