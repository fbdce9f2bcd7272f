using System.Buffers;
using System.Diagnostics;
using System.Net;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Load;

/// <summary>
/// One open-loop run of one target at one fixed rate. Request k is scheduled at start + k/rate, whether or not earlier
/// requests have answered (no coordinated omission); its latency runs from that scheduled time to the end of the
/// response body. A single pacing thread sleeps until the next due time and hands every due request to the thread
/// pool; if more than the in-flight cap are outstanding, the request is counted as dropped instead of queued.
/// The first <c>warmup × rate</c> requests are sent but not recorded.
/// </summary>
internal sealed class FixedRateRun
{
    /// <summary>How long to wait after the last send for in-flight requests before counting them as timeouts.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    private static readonly Action<RequestStart> StartOnPool = static start => _ = start.Run.ExecuteAsync(start);

    private readonly HttpClient _client;
    private readonly BenchTarget _target;
    private readonly RequestMix _mix;
    private readonly int _rate;
    private readonly long _warmupCount;
    private readonly long _recordedCount;
    private readonly int _inFlightCap;
    private readonly RunRecorder _recorder = new();
    private CancellationToken _userToken;
    private CancellationToken _requestToken;
    private int _inFlight;

    public FixedRateRun(
        HttpClient client, BenchTarget target, RequestMix mix, int rate, double warmupSeconds, double durationSeconds,
        int inFlightCap)
    {
        _client = client;
        _target = target;
        _mix = mix;
        _rate = rate;
        _warmupCount = (long)Math.Round(warmupSeconds * rate);
        _recordedCount = Math.Max(1, (long)Math.Round(durationSeconds * rate));
        _inFlightCap = inFlightCap;
    }

    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken)
    {
        using var requestCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _userToken = cancellationToken;
        _requestToken = requestCancellation.Token;

        double ticksPerRequest = (double)Stopwatch.Frequency / _rate;
        long start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100); // 10 ms for the pacing thread to start
        await Task.Factory.StartNew(
                () => Pace(start, ticksPerRequest, cancellationToken),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)
            .ConfigureAwait(false);

        if (!await WaitForInFlightAsync(DrainTimeout).ConfigureAwait(false))
        {
            // Still outstanding at the deadline: cancel them (they count as "timeout") and wait for their bookkeeping.
            await requestCancellation.CancelAsync().ConfigureAwait(false);
            await WaitForInFlightAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        long windowStart = start + (long)(_warmupCount * ticksPerRequest);
        long windowEnd = start + (long)((_warmupCount + _recordedCount) * ticksPerRequest);
        long end = Math.Max(windowEnd, _recorder.LastCompletion);
        double elapsedSeconds = (double)(end - windowStart) / Stopwatch.Frequency;
        return RunSummary.From(_target.Name, _rate, _recordedCount, elapsedSeconds, _recorder);
    }

    private void Pace(long start, double ticksPerRequest, CancellationToken cancellationToken)
    {
        long total = _warmupCount + _recordedCount;
        long next = 0;
        while (next < total && !cancellationToken.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            long due = start + (long)(next * ticksPerRequest);
            if (due > now)
            {
                PreciseSleep.For((due - now) * 1_000_000 / Stopwatch.Frequency);
                continue;
            }

            // Launch everything that is due by now (a batch when the sleep overshot), each with its own schedule.
            do
            {
                Launch(next, due);
                next++;
                due = start + (long)(next * ticksPerRequest);
            }
            while (next < total && due <= now);
        }
    }

    private void Launch(long sequence, long scheduled)
    {
        if (Volatile.Read(ref _inFlight) >= _inFlightCap)
        {
            if (sequence >= _warmupCount)
            {
                _recorder.RecordDropped();
            }

            return;
        }

        Interlocked.Increment(ref _inFlight);
        ThreadPool.UnsafeQueueUserWorkItem(StartOnPool, new RequestStart(this, sequence, scheduled), preferLocal: false);
    }

    private async Task ExecuteAsync(RequestStart start)
    {
        RunRecorder? recorder = start.Sequence >= _warmupCount ? _recorder : null;
        recorder?.RecordStart(start.Scheduled, Stopwatch.GetTimestamp());
        MixEntry entry = _mix[start.Sequence];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ResponseBody.BufferSize);
        try
        {
            var content = new ByteArrayContent(entry.Body);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, _target.ChatCompletions)
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = content,
            };
            request.Headers.TryAddWithoutValidation("Authorization", _target.Authorization);

            using HttpResponseMessage response = await _client
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _requestToken)
                .ConfigureAwait(false);
            bool bodyOk = await ResponseBody
                .ReadAndCheckAsync(response.Content, entry.Stream, buffer, _requestToken)
                .ConfigureAwait(false);
            long completed = Stopwatch.GetTimestamp();
            if (recorder is null)
            {
                return;
            }

            int status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                recorder.RecordError($"http_{status}", completed, $"HTTP {status} from POST {_target.ChatCompletions}");
            }
            else if (!bodyOk)
            {
                string expected = entry.Stream ? "a stream ending in 'data: [DONE]'" : "a JSON body with \"usage\"";
                recorder.RecordError(ErrorCounts.BadBody, completed, $"HTTP {status} without {expected}");
            }
            else
            {
                recorder.RecordSuccess(start.Scheduled, completed);
            }
        }
        catch (OperationCanceledException) when (_requestToken.IsCancellationRequested)
        {
            string kind = _userToken.IsCancellationRequested ? "cancelled" : ErrorCounts.Timeout;
            recorder?.RecordError(kind, Stopwatch.GetTimestamp());
        }
        catch (HttpRequestException ex)
        {
            recorder?.RecordError($"exception:{ex.HttpRequestError}", Stopwatch.GetTimestamp(), Describe(ex));
        }
        catch (Exception ex)
        {
            recorder?.RecordError($"exception:{ex.GetType().Name}", Stopwatch.GetTimestamp(), Describe(ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<bool> WaitForInFlightAsync(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _inFlight) > 0)
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                return false;
            }

            await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    private static string Describe(Exception ex) =>
        ex.InnerException is null
            ? $"{ex.GetType().Name}: {ex.Message}"
            : $"{ex.GetType().Name}: {ex.Message} ({ex.InnerException.GetType().Name}: {ex.InnerException.Message})";
}
