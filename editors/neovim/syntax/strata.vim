" Vim syntax file
" Language: Strata (.strata strategy maps), spec sections 2-3
if exists('b:current_syntax')
  finish
endif

syntax case match
syntax iskeyword @,48-57,_,192-255

syntax match strataComment "#.*$" contains=@Spell,strataTodo
syntax keyword strataTodo TODO FIXME XXX contained

syntax region strataString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=strataEscape,strataBadEscape,@Spell
syntax match strataBadEscape "\\." contained
syntax match strataEscape +\\\%(["\\nt]\|u{\x\{1,6}}\)+ contained

" Item keywords and the id they declare (possibly on the next line)
syntax keyword strataItem map
syntax match strataItem "\<\%(layer\|group\|result\|measure\|action\)\>\%(\s*:\)\@!" nextgroup=strataDeclId skipwhite skipnl skipempty
syntax match strataDeclId "\<\k\+\>" contained

" Attribute names before a colon
syntax match strataUnknownAttr "\<\k\+\ze\s*:"
syntax match strataAttr "\<\%(purpose\|vision\|mission\|owner\|horizon\|method\|note\|intent\|share\|gives\|gets\|proposition\|criteria\|layer\|for\|of\|unit\|direction\|baseline\|target\|frequency\|formula\|source\|due\|status\|strength\|polarity\|evidence\|assumption\)\ze\s*:"

" Values from a fixed set
syntax keyword strataConstant pump bsc rbm up down daily weekly monthly quarterly yearly
syntax keyword strataConstant planned active done dropped weak moderate strong direct inverse
syntax keyword strataConstant attract grow retain maintain serve reengineer retire exit
syntax match strataAtBy "\<\%(at\|by\)\ze\s\+\d"

" Periods, percentages, numbers
syntax match strataPeriod "\<\d\{4}-\%(Q[1-4]\|\d\d-\d\d\|\d\d\)\>"
syntax match strataPercent "-\=\<\d\+\%(\.\d\+\)\=%"
syntax match strataNumber "-\=\<\d\+\%(\.\d\+\)\=\>\ze\%([^%.-]\|$\)"
syntax match strataPeriod "\%(\<\%(at\|by\)\s\+\)\@<=\d\{4}\>\ze\%([^-]\|$\)"

" Links
syntax match strataArrow "->"
syntax match strataLinkEnd "\<\k\+\ze\s*->"

" Blocks fold
syntax region strataBlock matchgroup=strataBrace start="{" end="}" transparent fold
syntax match strataBracket "[\[\],]"

highlight default link strataComment Comment
highlight default link strataTodo Todo
highlight default link strataString String
highlight default link strataEscape SpecialChar
highlight default link strataBadEscape Error
highlight default link strataItem Keyword
highlight default link strataDeclId Identifier
highlight default link strataAttr Type
highlight default link strataUnknownAttr Normal
highlight default link strataConstant Constant
highlight default link strataAtBy Keyword
highlight default link strataPeriod Number
highlight default link strataPercent Number
highlight default link strataNumber Number
highlight default link strataArrow Operator
highlight default link strataLinkEnd Function
highlight default link strataBrace Delimiter
highlight default link strataBracket Delimiter

let b:current_syntax = 'strata'
