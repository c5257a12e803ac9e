import type { ImageInput } from "../engines/spec.js";

const dataUrl = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=]+)$/;

/**
 * An image sent as a base64 `data:` URL (OpenAI's chat and Responses APIs), or undefined for any other URL: the
 * gateway does not fetch URLs on a client's behalf, so the bytes must come in the request.
 */
export function imageFromDataUrl(url: string): ImageInput | undefined {
  const match = dataUrl.exec(url);
  return match === null ? undefined : { mediaType: match[1] as string, data: match[2] as string };
}
