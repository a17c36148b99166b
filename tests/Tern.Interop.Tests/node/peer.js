// A scriptable MQTT.js client for Tern's interop tests.
//   node peer.js <broker url> '<MQTT.js connect options as JSON>'
// It never reconnects on its own (reconnectPeriod 0) unless the options say so.
//
// Prints one line per event:
//   connected sessionPresent=<true|false> returnCode=<n>
//   subscribed <topic> <granted qos>
//   published <topic>
//   message <topic> <payload>
//   offline | close | ended | error <message>
// Reads one command per line on stdin:
//   subscribe <topic> <qos>
//   publish <topic> <qos> <retain 0|1> <payload to the end of the line>
//   end        (DISCONNECT, then "ended" once the connection is closed, then exit)
const mqtt = require('mqtt')
const readline = require('readline')

const url = process.argv[2]
const options = Object.assign({ reconnectPeriod: 0 }, JSON.parse(process.argv[3] || '{}'))
const out = (line) => process.stdout.write(line + '\n')

const client = mqtt.connect(url, options)
client.on('connect', (connack) => out(`connected sessionPresent=${connack.sessionPresent} returnCode=${connack.returnCode}`))
client.on('message', (topic, payload) => out(`message ${topic} ${payload.toString()}`))
client.on('offline', () => out('offline'))
client.on('close', () => out('close'))
client.on('error', (error) => out(`error ${error.message}`))

const input = readline.createInterface({ input: process.stdin })
input.on('line', (line) => {
    const words = line.split(' ')
    switch (words[0]) {
        case 'subscribe': {
            const [, topic, qos] = words
            client.subscribe(topic, { qos: Number(qos) }, (error, granted) => {
                if (error) {
                    out(`error ${error.message}`)
                } else {
                    out(`subscribed ${topic} ${granted[0].qos}`)
                }
            })
            break
        }
        case 'publish': {
            const [, topic, qos, retain] = words
            const payload = words.slice(4).join(' ')
            client.publish(topic, payload, { qos: Number(qos), retain: retain === '1' }, (error) => {
                out(error ? `error ${error.message}` : `published ${topic}`)
            })
            break
        }
        case 'end':
            client.end(false, () => {
                out('ended')
                input.close()
            })
            break
        default:
            out(`error unknown command: ${line}`)
    }
})
