// The Phoenix channel protocol as @supabase/realtime-js speaks it: frames of
// {join_ref, ref, topic, event, payload}, JSON objects under vsn 1.0.0 and JSON arrays under
// 2.0.0, where a client's broadcast may also come as a binary user-broadcast push.

/** One Phoenix message, either way. */
export interface PhoenixMessage {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

/** The serializer versions realtime-js negotiates with `?vsn=`; Phoenix's default is 1.0.0. */
export type Vsn = "1.0.0" | "2.0.0";

/** The vsn a connection asked for; null when it names one the server does not speak. */
export function negotiateVsn(requested: string | null): Vsn | null {
  if (requested === null || requested === "1.0.0") return "1.0.0";
  if (requested === "2.0.0") return "2.0.0";
  return null;
}

/** A frame for the socket. */
export function encode(vsn: Vsn, message: PhoenixMessage): string {
  const { join_ref, ref, topic, event, payload } = message;
  return vsn === "2.0.0"
    ? JSON.stringify([join_ref, ref, topic, event, payload])
    : JSON.stringify({ join_ref, ref, topic, event, payload });
}

/** Kind byte of a client's binary broadcast (realtime-js `KINDS.userBroadcastPush`). */
const userBroadcastPush = 3;
const jsonEncoding = 1;

/** A frame from the socket; throws on anything that is not a Phoenix message. */
export function decode(vsn: Vsn, frame: string | ArrayBuffer): PhoenixMessage {
  if (typeof frame !== "string") return decodeBinary(new Uint8Array(frame));
  const parsed = JSON.parse(frame);
  const [join_ref, ref, topic, event, payload] = vsn === "2.0.0" && Array.isArray(parsed)
    ? parsed
    : [parsed?.join_ref, parsed?.ref, parsed?.topic, parsed?.event, parsed?.payload];
  if (typeof topic !== "string" || typeof event !== "string") {
    throw new SyntaxError("not a Phoenix message");
  }
  return {
    join_ref: join_ref ?? null,
    ref: ref ?? null,
    topic,
    event,
    payload: payload && typeof payload === "object" ? payload : {},
  };
}

/**
 * realtime-js's binary broadcast push: kind, the lengths of join_ref, ref, topic, user event and
 * metadata, the payload encoding, then those fields and the payload. Decoded as the JSON
 * broadcast it stands for: `{type: "broadcast", event, payload}`.
 */
function decodeBinary(bytes: Uint8Array): PhoenixMessage {
  if (bytes.length < 7 || bytes[0] !== userBroadcastPush) {
    throw new SyntaxError("not a user broadcast push");
  }
  const decoder = new TextDecoder();
  const lengths = [bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]];
  let offset = 7;
  const [joinRef, ref, topic, userEvent, metadata] = lengths.map((length) => {
    const text = decoder.decode(bytes.subarray(offset, offset + length));
    offset += length;
    return text;
  });
  const body = bytes.subarray(offset);
  if (bytes[6] !== jsonEncoding) throw new SyntaxError("binary broadcast payloads are not served");
  return {
    join_ref: joinRef || null,
    ref: ref || null,
    topic,
    event: "broadcast",
    payload: {
      type: "broadcast",
      event: userEvent,
      payload: JSON.parse(decoder.decode(body)),
      ...(metadata ? { meta: JSON.parse(metadata) } : {}),
    },
  };
}
