// The seed's persistent_connection.js (an MQTT quick-start course, lesson 4), unchanged but for where it connects:
// the broker URL and the client identifier come from the command line (or MQTT_URL / MQTT_CLIENT_ID) instead of a
// public broker and a fixed "mqtt_sample_id_1", so every test has its own.
//   node seed/persistent_connection.js mqtt://127.0.0.1:1883 some_client_id
// Prints "return code: 0, sessionPresent: false" on the first run, "... true" on every later run.
var mqtt = require('mqtt')
var url = process.argv[2] || process.env.MQTT_URL
var clientId = process.argv[3] || process.env.MQTT_CLIENT_ID || 'mqtt_sample_id_1'
var client = mqtt.connect(url, {
    clientId: clientId,
    clean: false
})

client.on('connect', function (connack) {
    console.log(`return code: ${connack.returnCode}, sessionPresent: ${connack.sessionPresent}`)
    client.end()
})

// Not in the seed: say on stderr why a connection failed, for the test's failure message.
client.on('error', function (error) {
    console.error(`error: ${error.message}`)
})
