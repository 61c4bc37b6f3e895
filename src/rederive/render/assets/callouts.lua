-- Quarto callouts (::: {.callout-note title="..."}) for the fallback renderer.
-- Pandoc has no callouts of its own: in HTML they become a titled, styled div; in Typst a block.
local colors = {
  note = 'rgb("#0758E5")', tip = 'rgb("#00A047")', warning = 'rgb("#EB9113")',
  important = 'rgb("#CC1914")', caution = 'rgb("#FC5300")',
}

local function callout_kind(el)
  for _, class in ipairs(el.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind and colors[kind] then return kind end
  end
end

-- Quarto's conditional content (::: {.content-visible when-format="html"}, unless-format, and
-- .content-hidden): kept or dropped by the output format. rederive.render.fallback drops the
-- code cells inside such a div in the same way before it numbers figures and tables.
local function format_matches(name)
  if name == "html" then return FORMAT:match("html") ~= nil end
  return FORMAT == name
end

local function conditional(el)
  local visible, hidden = el.classes:includes("content-visible"), el.classes:includes("content-hidden")
  if not (visible or hidden) then return nil end
  local shown = true
  local when, unless = el.attributes["when-format"], el.attributes["unless-format"]
  if when then shown = format_matches(when) end
  if unless then shown = not format_matches(unless) end
  if hidden then shown = not shown end
  return shown and el.content or {}
end

function Div(el)
  local kept = conditional(el)
  if kept then return kept end
  local kind = callout_kind(el)
  if not kind then return nil end
  local title = el.attributes["title"] or (kind:sub(1, 1):upper() .. kind:sub(2))
  local heading = pandoc.Strong(pandoc.Inlines(title))
  if FORMAT:match("typst") then
    local blocks = {
      pandoc.RawBlock("typst", "#block(width: 100%, inset: 8pt, radius: 2pt, fill: luma(247), stroke: (left: 3pt + " .. colors[kind] .. "))["),
      pandoc.Para({heading}),
    }
    for _, block in ipairs(el.content) do table.insert(blocks, block) end
    table.insert(blocks, pandoc.RawBlock("typst", "]"))
    return blocks
  end
  el.classes:insert("callout")
  el.content:insert(1, pandoc.Div({pandoc.Plain({heading})}, pandoc.Attr("", {"callout-title"})))
  return el
end

-- The same for a span ([text]{.content-visible when-format="html"}), as Quarto documents it:
-- a link whose target differs by format (a ledger row: the ledger page on the web, the PDF's
-- own ledger in the PDF).
function Span(el)
  return conditional(el)
end
