-- Headless smoke test: the Strata language server attaches to a broken .strata
-- file and publishes diagnostics for it. Run by test/smoke.sh.
local bin = assert(os.getenv("STRATA_BIN"), "STRATA_BIN is not set")
local dir = assert(os.getenv("SMOKE_DIR"), "SMOKE_DIR is not set")

local function finish(ok, message)
  io.stdout:write((ok and "neovim smoke: PASS " or "neovim smoke: FAIL ") .. message .. "\n")
  io.stdout:flush()
  vim.cmd(ok and "qall!" or "cquit! 1")
end

local ok, err = pcall(function()
  require("strata").setup({ cmd = { bin, "lsp" } })
  vim.cmd("edit " .. vim.fn.fnameescape(dir .. "/broken.strata"))
  local buf = vim.api.nvim_get_current_buf()
  if vim.bo[buf].filetype ~= "strata" then
    return finish(false, "filetype is '" .. vim.bo[buf].filetype .. "', not 'strata'")
  end
  if vim.b[buf].current_syntax ~= "strata" and vim.b.current_syntax ~= "strata" then
    return finish(false, "the strata syntax file was not loaded")
  end
  local attached = vim.wait(10000, function()
    return #vim.lsp.buf_get_clients(buf) > 0
  end, 50)
  if not attached then
    return finish(false, "no client attached to the buffer")
  end
  local got = vim.wait(15000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  if not got then
    return finish(false, "no diagnostics within 15 s")
  end
  local diags = vim.diagnostic.get(buf)
  local lines = {}
  local has_error = false
  for _, d in ipairs(diags) do
    has_error = has_error or d.severity == vim.diagnostic.severity.ERROR
    table.insert(lines, ("%d:%d %s"):format(d.lnum + 1, d.col + 1, d.message:gsub("\n.*", "")))
  end
  if not has_error then
    return finish(false, "diagnostics but no error: " .. table.concat(lines, " | "))
  end
  -- The custom request answers too.
  local answer = vim.lsp.buf_request_sync(buf, "strata/graph", { format = "dot" }, 10000)
  local text
  for _, r in pairs(answer or {}) do
    text = r.result and r.result.text
  end
  if not text or not text:find("digraph", 1, true) then
    return finish(false, "strata/graph did not answer with DOT")
  end
  finish(true, ("%d diagnostic(s): %s"):format(#diags, table.concat(lines, " | ")))
end)
if not ok then
  finish(false, tostring(err))
end
