/** A chunk's `model` names the `engine/model` that answered (the model id may hold slashes of its own). */
export function splitEngineModel(id: string): { engine: string; model: string | null } {
  const slash = id.indexOf("/");
  return slash === -1 ? { engine: id, model: null } : { engine: id.slice(0, slash), model: id.slice(slash + 1) };
}
