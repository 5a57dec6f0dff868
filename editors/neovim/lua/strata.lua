-- Strata language server for Neovim (0.7 and later), without plugins:
--   require("strata").setup()                      -- `strata` on PATH
--   require("strata").setup({ cmd = { "/path/to/strata", "lsp" } })
-- Starts one `strata lsp` per workspace root (the nearest directory with a
-- strata.toml or .git, else the file's directory) and attaches every .strata buffer.
local M = {}

M.config = {
  cmd = { "strata", "lsp" },
  root_markers = { "strata.toml", ".git" },
  settings = {},
  on_attach = nil,
}

local clients = {} -- root -> client id

local function find_root(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local found = vim.fs and vim.fs.find and vim.fs.find(M.config.root_markers, { path = dir, upward = true })[1]
  if found then
    return vim.fn.fnamemodify(found, ":h")
  end
  if not vim.fs then -- Neovim 0.7: walk up by hand
    local d = dir
    while d and d ~= "" do
      for _, marker in ipairs(M.config.root_markers) do
        if vim.loop.fs_stat(d .. "/" .. marker) then
          return d
        end
      end
      local parent = vim.fn.fnamemodify(d, ":h")
      if parent == d then
        break
      end
      d = parent
    end
  end
  return dir
end

--- Starts (or reuses) the server for the buffer's workspace and attaches the buffer.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return nil
  end
  local root = find_root(name)
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    vim.notify(
      ("strata: `%s` was not found. Install it (`cargo install --path .` in the Strata repository) "
        .. "or pass its path: require('strata').setup({ cmd = { '/path/to/strata', 'lsp' } })"):format(M.config.cmd[1]),
      vim.log.levels.ERROR
    )
    return nil
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client({
      name = "strata",
      cmd = M.config.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      settings = M.config.settings,
      on_attach = M.config.on_attach,
      on_exit = function()
        clients[root] = nil
      end,
    })
    if not id then
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- The map as DOT, Mermaid or JSON (`strata/graph`), in a new scratch buffer.
function M.graph(format)
  format = format or "dot"
  local bufnr = vim.api.nvim_get_current_buf()
  local params = { format = format, uri = vim.uri_from_bufnr(bufnr) }
  vim.lsp.buf_request(bufnr, "strata/graph", params, function(err, result)
    if err or not result then
      vim.notify("strata/graph: " .. (err and err.message or "no answer"), vim.log.levels.ERROR)
      return
    end
    vim.cmd("new")
    local out = vim.api.nvim_get_current_buf()
    vim.api.nvim_buf_set_lines(out, 0, -1, false, vim.split(result.text, "\n", { plain = true }))
    vim.bo[out].buftype = "nofile"
    vim.bo[out].filetype = ({ dot = "dot", mermaid = "mermaid", json = "json" })[format] or ""
    if result.note ~= vim.NIL and result.note then
      vim.notify("strata: " .. result.note, vim.log.levels.WARN)
    end
  end)
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", M.config, opts or {})
  vim.cmd([[
    augroup strata_lsp
      autocmd!
      autocmd BufRead,BufNewFile *.strata setfiletype strata
      autocmd FileType strata lua require("strata").attach(tonumber(vim.fn.expand("<abuf>")))
    augroup END
  ]])
  vim.cmd([[command! -nargs=? -complete=customlist,v:lua.require'strata'.formats StrataGraph lua require("strata").graph(<q-args> ~= "" and <q-args> or nil)]])
end

function M.formats()
  return { "dot", "mermaid", "json" }
end

return M
