// The seed's identical.js: stays connected and says when it goes offline. Run two with the same client identifier
// and they knock each other off in turn, printing "return code: 0, sessionPresent: false" / "client went offline"
// again and again. The broker URL and client identifier come from the command line (or MQTT_URL / MQTT_CLIENT_ID);
// MQTT_RECONNECT_PERIOD_MS shortens MQTT.js's reconnect period (1000 ms by default) so a test sees the cycles sooner.
//   node seed/identical.js mqtt://127.0.0.1:1883 some_client_id
var mqtt = require('mqtt')
var url = process.argv[2] || process.env.MQTT_URL
var clientId = process.argv[3] || process.env.MQTT_CLIENT_ID || 'mqtt_identical_1'
var options = {
    clientId: clientId,
}
if (process.env.MQTT_RECONNECT_PERIOD_MS) {
    options.reconnectPeriod = Number(process.env.MQTT_RECONNECT_PERIOD_MS)
}
var client = mqtt.connect(url, options)

client.on('connect', function (connack) {
    console.log(`return code: ${connack.returnCode}, sessionPresent: ${connack.sessionPresent}`)
})

client.on('offline', function () {
    console.log("client went offline")
})

// Not in the seed: say on stderr why a connection failed, for the test's failure message.
client.on('error', function (error) {
    console.error(`error: ${error.message}`)
})
