// A Kafka Connect standalone worker without the REST server, for carve's
// end-to-end tests. Kafka Connect's own Worker and StandaloneHerder do all
// the work (plugins, converters, transforms, offsets); this main only wires
// them up, as ConnectStandalone does, and takes the REST API's place with
// one command per line on standard input:
//
//   put FILE      create or replace the connector in FILE ({"name", "config"})
//   delete NAME   delete a connector (as DELETE /connectors/NAME)
//   status NAME   print the connector's and its tasks' states
//   sinkview CONNECTOR KEYFILE VALUEFILE
//                 decode one record's key and value bytes (VALUEFILE "-" for a
//                 null value) with the key and value converters CONNECTOR
//                 states, as that sink connector would receive them
//   quit          stop the worker
//
// Each command answers with one line starting with "ok " or "error ".

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.Worker;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.util.FutureCallback;

public final class CarveConnectWorker {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: CarveConnectWorker WORKER.properties");
            System.exit(2);
        }
        Map<String, String> workerProps = readProperties(args[0]);
        Plugins plugins = new Plugins(workerProps);
        plugins.compareAndSwapWithDelegatingLoader();
        StandaloneConfig config = new StandaloneConfig(workerProps);
        String clusterId = config.kafkaClusterId();

        Map<String, String> offsetConverterConfig = new HashMap<>();
        offsetConverterConfig.put(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false");
        FileOffsetBackingStore offsets = new FileOffsetBackingStore(
                plugins.newInternalConverter(true, JsonConverter.class.getName(), offsetConverterConfig));
        offsets.configure(config);

        ConnectorClientConfigOverridePolicy policy = plugins.newPlugin(
                config.getString(WorkerConfig.CONNECTOR_CLIENT_POLICY_CLASS_CONFIG),
                config, ConnectorClientConfigOverridePolicy.class);
        Worker worker = new Worker("carve-test-worker", Time.SYSTEM, plugins, config, offsets, policy);
        StandaloneHerder herder = new StandaloneHerder(worker, clusterId, policy);
        herder.start();
        answer("ok started " + clusterId);

        ObjectMapper json = new ObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ", 2);
            String argument = parts.length > 1 ? parts[1] : "";
            try {
                switch (parts[0]) {
                    case "put" -> {
                        JsonNode file = json.readTree(new File(argument));
                        String name = file.get("name").asText();
                        Map<String, String> connector = new HashMap<>();
                        Iterator<Map.Entry<String, JsonNode>> fields = file.get("config").fields();
                        while (fields.hasNext()) {
                            Map.Entry<String, JsonNode> field = fields.next();
                            connector.put(field.getKey(), field.getValue().asText());
                        }
                        connector.put("name", name);
                        FutureCallback<Object> done = new FutureCallback<>();
                        herder.putConnectorConfig(name, connector, true, (error, result) -> done.onCompletion(error, result));
                        done.get(120, TimeUnit.SECONDS);
                        answer("ok put " + name);
                    }
                    case "delete" -> {
                        FutureCallback<Object> done = new FutureCallback<>();
                        herder.deleteConnectorConfig(argument, (error, result) -> done.onCompletion(error, result));
                        done.get(120, TimeUnit.SECONDS);
                        answer("ok delete " + argument);
                    }
                    case "status" -> answer("ok status " + describe(herder.connectorStatus(argument)));
                    case "sinkview" -> answer("ok sinkview " + sinkView(json, argument.split(" ")));
                    case "quit" -> {
                        herder.stop();
                        answer("ok quit");
                        System.exit(0);
                    }
                    default -> answer("error unknown command " + parts[0]);
                }
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                answer("error " + oneLine(cause.toString()));
            }
        }
        herder.stop();
    }

    /**
     * The record as a sink with the connector's converters sees it:
     * `key=NAME:VALUE,… value=null` or `value=NAME,NAME,…`.
     */
    private static String sinkView(ObjectMapper json, String[] files) throws Exception {
        JsonNode config = json.readTree(new File(files[0])).get("config");
        String topic = config.get("topics").asText().split(",")[0];
        Converter keys = converter(config, "key.converter", true);
        Converter values = converter(config, "value.converter", false);
        byte[] keyBytes = Files.readAllBytes(Path.of(files[1]));
        byte[] valueBytes = files[2].equals("-") ? null : Files.readAllBytes(Path.of(files[2]));
        SchemaAndValue key = keys.toConnectData(topic, keyBytes);
        SchemaAndValue value = values.toConnectData(topic, valueBytes);
        StringBuilder out = new StringBuilder("key=");
        if (key.value() instanceof Struct struct) {
            StringJoiner fields = new StringJoiner(",");
            for (Field field : struct.schema().fields()) {
                fields.add(field.name() + ":" + struct.get(field));
            }
            out.append(fields);
        } else {
            out.append(String.valueOf(key.value()));
        }
        out.append(" value=");
        if (value.value() instanceof Struct struct) {
            StringJoiner fields = new StringJoiner(",");
            for (Field field : struct.schema().fields()) {
                fields.add(field.name());
            }
            out.append(fields);
        } else {
            out.append(String.valueOf(value.value()));
        }
        return out.toString();
    }

    /** The converter a connector config names under `prefix`, configured as it says. */
    private static Converter converter(JsonNode config, String prefix, boolean isKey) throws Exception {
        Converter converter = (Converter) Class.forName(config.get(prefix).asText())
                .getDeclaredConstructor().newInstance();
        Map<String, String> settings = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = config.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().startsWith(prefix + ".")) {
                settings.put(field.getKey().substring(prefix.length() + 1), field.getValue().asText());
            }
        }
        converter.configure(settings, isKey);
        return converter;
    }

    /** `CONNECTOR_STATE task0=STATE task1=STATE`, with the first failure's trace. */
    private static String describe(ConnectorStateInfo info) {
        StringBuilder out = new StringBuilder(info.connector().state());
        String trace = info.connector().trace();
        for (ConnectorStateInfo.TaskState task : info.tasks()) {
            out.append(" task").append(task.id()).append('=').append(task.state());
            if (trace == null || trace.isEmpty()) {
                trace = task.trace();
            }
        }
        if (trace != null && !trace.isEmpty()) {
            out.append(" trace=").append(oneLine(trace));
        }
        return out.toString();
    }

    private static String oneLine(String text) {
        return text.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }

    private static synchronized void answer(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static Map<String, String> readProperties(String path) throws Exception {
        Properties properties = new Properties();
        try (FileInputStream in = new FileInputStream(path)) {
            properties.load(in);
        }
        Map<String, String> map = new HashMap<>();
        for (String key : properties.stringPropertyNames()) {
            map.put(key, properties.getProperty(key));
        }
        return map;
    }
}
