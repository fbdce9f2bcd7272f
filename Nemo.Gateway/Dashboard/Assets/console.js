// Copy buttons: <button data-copy="#id"> copies the text of the element it names. Nothing else runs here.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const text = source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
  }
  button.textContent = "Copied";
  button.setAttribute("aria-live", "polite");
});

// Playground: lists the models a pasted key may use (GET /v1/models) and streams a chat reply from the
// gateway (POST /v1/chat/completions, stream: true), then shows the turn's tokens and cost. Cost uses
// BigInt nano-dollars and the gateway's rounding (ceil of tokens × price per million ÷ 1,000,000).
(() => {
  const root = document.getElementById("playground");
  if (!root) return;
  const prices = JSON.parse(root.dataset.prices || "{}");
  const key = document.getElementById("pg-key");
  const models = document.getElementById("pg-model");
  const output = document.getElementById("pg-output");
  const usage = document.getElementById("pg-usage");
  const headers = () => ({ "Authorization": "Bearer " + key.value.trim(), "Content-Type": "application/json" });
  const dollars = (nanos) => "$" + (Number(nanos) / 1e9).toFixed(6);
  document.getElementById("pg-load").addEventListener("click", async () => {
    const response = await fetch("/v1/models", { headers: headers() });
    const body = await response.json();
    models.replaceChildren();
    if (!response.ok) { usage.textContent = body.error?.message ?? "The key was refused."; return; }
    for (const m of body.data) models.add(new Option(m.id, m.id));
    usage.textContent = body.data.length + " model(s) available to this key.";
  });
  document.getElementById("pg-send").addEventListener("click", async () => {
    output.textContent = ""; usage.textContent = "";
    const model = models.value;
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers: headers(),
      body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: document.getElementById("pg-message").value }] }),
    });
    if (!response.ok) { const e = await response.json().catch(() => ({})); usage.textContent = e.error?.message ?? ("HTTP " + response.status); return; }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        const data = event.split("\n").filter(l => l.startsWith("data:")).map(l => l.slice(5).trim()).join("");
        if (!data || data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) output.textContent += delta;
        if (chunk.usage) {
          const [input, out] = (prices[model] ?? ["0", "0"]).map(BigInt);
          const total = BigInt(chunk.usage.prompt_tokens) * input + BigInt(chunk.usage.completion_tokens) * out;
          const cost = (total + 999999n) / 1000000n;
          usage.textContent = `${chunk.usage.prompt_tokens} prompt + ${chunk.usage.completion_tokens} completion tokens · ${dollars(cost)}`;
        }
      }
    }
  });
})();
