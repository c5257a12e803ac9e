/**
 * OpenAI's Responses request → the engine contract. `instructions` become the first message; input items become
 * chat messages: a `function_call` joins the assistant turn just before it (the text a model says before calling
 * is one chat message with its calls), `function_call_output` becomes a `tool` message. What no engine behind the
 * contract can carry is refused with a 400 naming the field, never silently dropped: hosted tools, images, files,
 * and everything that needs responses stored on the gateway (`previous_response_id`, `conversation`, item
 * references, `prompt` templates, background mode). `reasoning` items a client sends back are its record of an
 * earlier model's hidden reasoning, which a chat engine cannot take: they are left out.
 */
import type { ChatMessage, ChatRequest, ImageInput, ToolDefinition } from "../../../engines/spec.js";
import { imageFromDataUrl } from "../../imageFromDataUrl.js";
import { GatewayError } from "../../../errors.js";
import type { ContentPart, InputItem, ResponsesBody, ResponsesTool } from "./responsesSchema.js";

const notStored = "stored responses are not supported yet; send the conversation in `input`";

export function responsesToChatRequest(body: ResponsesBody): Omit<ChatRequest, "model"> {
  refuseStoredState(body);
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === "string" && body.instructions !== "") messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else body.input?.forEach((item, index) => addItem(messages, item, index));
  if (messages.length === 0) throw refused("input", "send the conversation in `input` (or at least `instructions`)");

  const request: Omit<ChatRequest, "model"> = { messages };
  if (body.max_output_tokens != null) request.maxTokens = body.max_output_tokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.tools !== undefined && body.tools.length > 0) request.tools = body.tools.map(toToolDefinition);
  if (body.tool_choice !== undefined) request.toolChoice = toToolChoice(body.tool_choice);

  const extra: Record<string, unknown> = {};
  // OpenAI refuses parallel_tool_calls on a request without tools; it means nothing there anyway.
  if (request.tools !== undefined && body.parallel_tool_calls != null) extra.parallel_tool_calls = body.parallel_tool_calls;
  if (body.user !== undefined) extra.user = body.user;
  const responseFormat = responseFormatOf(body.text?.format);
  if (responseFormat !== undefined) extra.response_format = responseFormat;
  if (Object.keys(extra).length > 0) request.extra = extra;
  return request;
}

function refuseStoredState(body: ResponsesBody): void {
  if (body.previous_response_id != null) throw refused("previous_response_id", notStored);
  if (body.conversation != null) throw refused("conversation", "stored conversations are not supported yet; send the conversation in `input`");
  if (body.prompt != null) throw refused("prompt", "stored prompt templates are not supported; send the instructions and input themselves");
  if (body.background === true) throw refused("background", "background responses need stored responses, which are not supported yet; stream instead");
}

function addItem(messages: ChatMessage[], item: InputItem, index: number): void {
  const param = `input[${index}]`;
  const type = item.type ?? "message";
  switch (type) {
    case "message": {
      if (item.role === undefined) throw refused(`${param}.role`, "a message needs a role");
      const images: ImageInput[] = [];
      const content = messageText(item.content, item.role, param, images);
      const message: ChatMessage = { role: item.role === "developer" ? "system" : item.role, content };
      if (images.length > 0) message.images = images;
      messages.push(message);
      return;
    }
    case "function_call": {
      if (!item.call_id || !item.name || item.arguments === undefined) throw refused(param, "a function_call item needs a call_id, a name and arguments");
      const call = { id: item.call_id, type: "function" as const, function: { name: item.name, arguments: item.arguments } };
      const last = messages.at(-1);
      if (last?.role === "assistant") (last.toolCalls ??= []).push(call);
      else messages.push({ role: "assistant", content: null, toolCalls: [call] });
      return;
    }
    case "function_call_output": {
      if (!item.call_id || item.output === undefined) throw refused(param, "a function_call_output item needs a call_id and an output");
      messages.push({ role: "tool", toolCallId: item.call_id, content: outputText(item.output, `${param}.output`) });
      return;
    }
    case "reasoning":
      return;
    case "item_reference":
      throw refused(param, `item references need ${notStored}`);
    default:
      throw refused(param, `input items of type "${type}" are not supported`);
  }
}

/** The message's text; its `input_image` parts go into `images`. */
function messageText(content: InputItem["content"], role: NonNullable<InputItem["role"]>, param: string, images: ImageInput[]): string {
  if (content === undefined) throw refused(`${param}.content`, "a message needs content");
  if (typeof content === "string") return content;
  return content
    .map((part, partIndex) => {
      const partParam = `${param}.content[${partIndex}]`;
      if (part.type === "input_text" || part.type === "output_text") return textOf(part, partParam);
      if (part.type === "input_image" && role === "user") {
        const image = typeof part.image_url === "string" ? imageFromDataUrl(part.image_url) : undefined;
        if (image === undefined) throw refused(`${partParam}.image_url`, "send images as base64 data URLs (data:image/png;base64,…); other URLs and file ids are not fetched");
        images.push(image);
        return "";
      }
      // An assistant turn the client sends back may hold the model's refusal: it is what the model said.
      if (part.type === "refusal" && role === "assistant") return part.refusal ?? "";
      throw refused(partParam, `content of type "${part.type}" is not supported; send text`);
    })
    .join("");
}

function outputText(output: string | ContentPart[], param: string): string {
  if (typeof output === "string") return output;
  return output
    .map((part, partIndex) => {
      if (part.type !== "input_text" && part.type !== "output_text") {
        throw refused(`${param}[${partIndex}]`, `function output of type "${part.type}" is not supported; send text`);
      }
      return textOf(part, `${param}[${partIndex}]`);
    })
    .join("");
}

function textOf(part: ContentPart, param: string): string {
  if (part.text === undefined) throw refused(param, `a ${part.type} part needs its text`);
  return part.text;
}

function toToolDefinition(tool: ResponsesTool, index: number): ToolDefinition {
  // Hosted tools run on OpenAI's side, which no engine here is.
  if (tool.type !== "function") throw refused(`tools[${index}]`, `tools of type "${tool.type}" are not supported; define a function tool`);
  if (tool.name === undefined) throw refused(`tools[${index}].name`, "a function tool needs a name");
  const definition: ToolDefinition["function"] = { name: tool.name };
  if (tool.description != null) definition.description = tool.description;
  if (tool.parameters != null) definition.parameters = tool.parameters;
  // Only when asked: the Responses API's strict default would make engines refuse schemas written for chat.
  if (tool.strict != null) definition.strict = tool.strict;
  return { type: "function", function: definition };
}

function toToolChoice(choice: NonNullable<ResponsesBody["tool_choice"]>): unknown {
  if (typeof choice === "string") return choice;
  if (choice.type !== "function") throw refused("tool_choice", `tool_choice of type "${choice.type}" is not supported; name a function`);
  if (choice.name === undefined) throw refused("tool_choice.name", "tool_choice of type \"function\" names the function");
  return { type: "function", function: { name: choice.name } };
}

/** `text.format` as chat's `response_format`, which OpenAI-type engines (vLLM, llama.cpp servers) take. */
function responseFormatOf(format: NonNullable<ResponsesBody["text"]>["format"]): Record<string, unknown> | undefined {
  if (format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type !== "json_schema") throw refused("text.format.type", `text formats of type "${format.type}" are not supported`);
  if (format.name === undefined || format.schema === undefined) throw refused("text.format", "a json_schema format needs a name and a schema");
  const jsonSchema: Record<string, unknown> = { name: format.name, schema: format.schema };
  if (format.description !== undefined) jsonSchema.description = format.description;
  if (format.strict != null) jsonSchema.strict = format.strict;
  return { type: "json_schema", json_schema: jsonSchema };
}

function refused(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", `${param}: ${message}`, { param });
}
