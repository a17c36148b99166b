using System.Security.Cryptography;
using Tern.Protocol;

namespace Tern.Client;

public sealed partial class MqttClient
{
    private readonly Dictionary<string, TaskCompletionSource<MqttMessage>> _pendingResponses = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _responseGate = new(1, 1);
    private string? _responseTopic;
    private MqttSubscription? _responseSubscription;

    /// <summary>
    /// MQTT 5.0 request / response (§4.10): publishes <paramref name="payload"/> to <paramref name="topic"/> with a
    /// Response Topic this client subscribes to (once, on first use) and fresh random Correlation Data, and returns the
    /// first message that comes back with the same Correlation Data. A responder answers with <see cref="RespondAsync"/>.
    /// </summary>
    /// <param name="topic">The request topic.</param>
    /// <param name="payload">The request payload.</param>
    /// <param name="qos">The QoS of the request. Default 1.</param>
    /// <param name="cancellationToken">Gives up waiting (use a timeout: a request nobody answers waits forever).</param>
    /// <exception cref="NotSupportedException">The client speaks 3.1.1, which has no Response Topic.</exception>
    public async Task<MqttMessage> RequestAsync(string topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtLeastOnce, CancellationToken cancellationToken = default)
    {
        if (_options.ProtocolVersion != ProtocolVersion.V500)
        {
            throw new NotSupportedException("Request / response needs MQTT 5.0 (Response Topic and Correlation Data).");
        }

        string responseTopic = await EnsureResponseSubscriptionAsync(cancellationToken).ConfigureAwait(false);
        byte[] correlation = RandomNumberGenerator.GetBytes(16);
        string key = Convert.ToHexString(correlation);
        var response = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pendingResponses)
        {
            _pendingResponses[key] = response;
        }

        try
        {
            await PublishAsync(new MqttMessage(topic, payload) { QoS = qos, ResponseTopic = responseTopic, CorrelationData = correlation }, cancellationToken).ConfigureAwait(false);
            return await response.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_pendingResponses)
            {
                _pendingResponses.Remove(key);
            }
        }
    }

    /// <summary>Answers a request received with a Response Topic: publishes to it with the request's Correlation Data.</summary>
    /// <exception cref="ArgumentException">The request has no Response Topic.</exception>
    public Task<MqttPublishResult> RespondAsync(MqttMessage request, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ResponseTopic is null)
        {
            throw new ArgumentException("The request carries no Response Topic.", nameof(request));
        }

        return PublishAsync(
            new MqttMessage(request.ResponseTopic, payload)
            {
                QoS = request.QoS == QualityOfService.AtMostOnce ? QualityOfService.AtMostOnce : QualityOfService.AtLeastOnce,
                CorrelationData = request.CorrelationData,
            },
            cancellationToken);
    }

    private async Task<string> EnsureResponseSubscriptionAsync(CancellationToken cancellationToken)
    {
        await _responseGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_sync)
            {
                if (_responseTopic is not null && _responseSubscription is not null && _subscriptions.Contains(_responseSubscription))
                {
                    return _responseTopic;
                }
            }

            await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
            string topic = _options.ResponseTopic ?? DefaultResponseTopic();
            var subscription = CreateInternalSubscription([new MqttTopicFilter(topic, QualityOfService.AtLeastOnce)]);
            _responseSubscription = await SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false);
            _responseTopic = topic;
            return topic;
        }
        finally
        {
            _responseGate.Release();
        }
    }

    private string DefaultResponseTopic()
    {
        string id = string.Concat(ClientId.Select(c => c is '+' or '#' or '/' ? '_' : c));
        return LastConnectResult?.ResponseInformation is { Length: > 0 } prefix
            ? $"{prefix.TrimEnd('/')}/{id}"
            : $"tern/response/{id}";
    }

    private bool TryCompleteResponse(MqttMessage message)
    {
        if (message.CorrelationData is not { } correlation || message.Topic != _responseTopic)
        {
            return false;
        }

        TaskCompletionSource<MqttMessage>? waiter;
        lock (_pendingResponses)
        {
            _pendingResponses.Remove(Convert.ToHexString(correlation.Span), out waiter);
        }

        return waiter?.TrySetResult(message) ?? false;
    }
}
