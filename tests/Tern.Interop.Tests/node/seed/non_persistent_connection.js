// The seed's non_persistent_connection.js: persistent_connection.js with clean: true. The broker URL and client
// identifier come from the command line (or MQTT_URL / MQTT_CLIENT_ID).
//   node seed/non_persistent_connection.js mqtt://127.0.0.1:1883 some_client_id
// Prints "return code: 0, sessionPresent: false" however often it runs.
var mqtt = require('mqtt')
var url = process.argv[2] || process.env.MQTT_URL
var clientId = process.argv[3] || process.env.MQTT_CLIENT_ID || 'mqtt_sample_id_1'
var client = mqtt.connect(url, {
    clientId: clientId,
    clean: true
})

client.on('connect', function (connack) {
    console.log(`return code: ${connack.returnCode}, sessionPresent: ${connack.sessionPresent}`)
    client.end()
})

// Not in the seed: say on stderr why a connection failed, for the test's failure message.
client.on('error', function (error) {
    console.error(`error: ${error.message}`)
})
