import { decodeBinaryNode } from 'baileys/lib/WABinary/decode.js';
import type { BinaryNode } from 'baileys';

/**
 * Stands in for baileys' Noise handler (node_modules/baileys/lib/Utils/noise-handler.js) in the
 * wire tests: WhatsApp's noise certificate is checked against WhatsApp's own public key
 * (noise-handler.js, processHandshake), so no test server can complete the real handshake.
 * Everything above the Noise layer stays baileys' own code: socket.js still sends its
 * ClientHello and ClientFinish (with the real ClientPayload), and every later frame is the
 * encodeBinaryNode output it would have encrypted. Frames are not encrypted or length-prefixed:
 * one WebSocket message is one frame.
 */
interface NoiseOptions {
  keyPair: { private: Uint8Array; public: Uint8Array };
}

export const makeNoiseHandler = (_options: NoiseOptions) => {
  /** After the server hello every frame is a binary node (as in Transport state). */
  let nodes = false;
  return {
    encrypt: (plaintext: Uint8Array): Uint8Array => plaintext,
    decrypt: (ciphertext: Uint8Array): Uint8Array => ciphertext,
    authenticate: (): void => undefined,
    mixIntoKey: (): void => undefined,
    finishInit: (): Promise<void> => Promise.resolve(),
    /** socket.js encrypts this as the ClientFinish `static`: our test server reads it in clear. */
    processHandshake: (_handshake: unknown, noiseKey: { public: Uint8Array }): Uint8Array => {
      nodes = true;
      return noiseKey.public;
    },
    encodeFrame: (data: Uint8Array): Buffer => Buffer.from(data),
    decodeFrame: async (data: Uint8Array, onFrame: (frame: Uint8Array | BinaryNode) => void): Promise<void> => {
      onFrame(nodes ? await decodeBinaryNode(Buffer.from(data)) : data);
    },
  };
};
